// FramedHandler: feeds a connection's input through a decoder and closes on bad framing.
#include "portico/net/framed_handler.h"

#include <string>
#include <utility>

#include "portico/base/log.h"
#include "portico/net/tcp_connection.h"

namespace portico::net {

FramedHandler::FramedHandler(std::unique_ptr<FrameDecoder> decoder,
                             std::shared_ptr<const FrameEncoder> encoder, FrameCallback on_frame,
                             ErrorCallback on_error)
    : decoder_(std::move(decoder)),
      encoder_(std::move(encoder)),
      on_frame_(std::move(on_frame)),
      on_error_(std::move(on_error)) {}

FramedHandler::~FramedHandler() = default;

void FramedHandler::on_frame(TcpConnection& conn, std::string_view frame) {
  if (on_frame_) on_frame_(*this, conn, frame);
}

void FramedHandler::on_frame_error(TcpConnection& conn, const DecodeResult& error) {
  if (on_error_) on_error_(conn, error);
}

void FramedHandler::on_data(TcpConnection& conn, Buffer& input) {
  // After a bad frame nothing more is interpreted: the bytes from the bad frame on stay
  // unconsumed until the connection closes.
  if (failed_) return;
  // Frames are delivered one step at a time (not through decode()) so that a callback that
  // closes the connection or pauses reading stops delivery right there.
  while (conn.connected() && !conn.reading_paused()) {
    FrameStep step = decoder_->next_frame(input.view());
    if (step.kind == FrameStep::Kind::kNeedMore) return;
    if (step.kind == FrameStep::Kind::kError) {
      DecodeResult result;
      result.status = step.error;
      result.message = std::move(step.message);
      fail(conn, result);
      return;
    }
    if (step.consumed == 0 || step.consumed > input.readable_bytes()) {
      DecodeResult result;
      result.status = DecodeStatus::kMalformed;
      result.message = std::string(decoder_->name()) + " codec returned an invalid frame step";
      fail(conn, result);
      return;
    }
    ++frames_received_;
    on_frame(conn, step.frame);
    input.retrieve(step.consumed);
  }
}

void FramedHandler::fail(TcpConnection& conn, const DecodeResult& result) {
  failed_ = true;
  LOG_WARN("%s: %s codec: %s: %s; closing the connection", conn.peer_address().to_string().c_str(),
           decoder_->name(), decode_status_name(result.status), result.message.c_str());
  on_frame_error(conn, result);
  conn.close();
}

EncodeStatus FramedHandler::send_frame(TcpConnection& conn, std::string_view payload) {
  if (!encoder_) return EncodeStatus::kInvalidPayload;
  // A fresh buffer per reply: it holds no memory while the connection is idle, and a small
  // allocation is cheap next to the send.
  Buffer framed;
  const EncodeStatus status = encoder_->encode(payload, framed);
  if (status == EncodeStatus::kOk) conn.send(framed);
  return status;
}

std::function<std::unique_ptr<ConnectionHandler>(TcpConnection&)> framed_handler_factory(
    DecoderFactory make_decoder, std::shared_ptr<const FrameEncoder> encoder,
    FramedHandler::FrameCallback on_frame, FramedHandler::ErrorCallback on_error) {
  return [make_decoder = std::move(make_decoder), encoder = std::move(encoder),
          on_frame = std::move(on_frame),
          on_error = std::move(on_error)](TcpConnection&) -> std::unique_ptr<ConnectionHandler> {
    return std::make_unique<FramedHandler>(make_decoder(), encoder, on_frame, on_error);
  };
}

}  // namespace portico::net
