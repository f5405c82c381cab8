// FramedHandler: binds a framing codec to a connection, so a protocol sees whole frames.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "portico/net/buffer.h"
#include "portico/net/codec.h"
#include "portico/net/connection_handler.h"

namespace portico::net {

// A ConnectionHandler that feeds the connection's input to a decoder and hands each complete
// frame to on_frame, however the bytes were split into reads. Replies go through send_frame(),
// which encodes them with the encoder (or straight to the connection, already framed).
//
// Bad input: on the first oversized or malformed frame it stops decoding (nothing at or after
// the bad frame is consumed or delivered), logs one warning line naming the peer, calls
// on_error, and closes the connection gracefully (replies to the frames before the bad one
// are still sent). The framing of everything after a bad frame is in doubt, so there is no
// way to continue on the same connection.
//
// Use it directly with callbacks, or derive from it and override on_frame()/on_frame_error()
// (and any ConnectionHandler method, e.g. on_connected). One handler per connection: the
// decoder may keep per-stream state.
class FramedHandler : public ConnectionHandler {
 public:
  using FrameCallback =
      std::function<void(FramedHandler& self, TcpConnection& conn, std::string_view frame)>;
  using ErrorCallback = std::function<void(TcpConnection& conn, const DecodeResult& error)>;

  // encoder may be null if the protocol never replies through send_frame(); it is shared
  // because encoders are stateless and one can serve every connection.
  FramedHandler(std::unique_ptr<FrameDecoder> decoder, std::shared_ptr<const FrameEncoder> encoder,
                FrameCallback on_frame = {}, ErrorCallback on_error = {});
  ~FramedHandler() override;

  // Called for each complete frame, in order. The view points into the connection's input and
  // is valid during the call only. The default calls the FrameCallback given at construction.
  // If it closes the connection or pauses reading, no further frame is delivered (a paused
  // connection redelivers the rest on resume_reading()).
  virtual void on_frame(TcpConnection& conn, std::string_view frame);
  // Called once on a decode error, before the connection is closed; it may still send a last
  // reply (e.g. "ERR line too long"). The default calls the ErrorCallback, if any.
  virtual void on_frame_error(TcpConnection& conn, const DecodeResult& error);

  // Encodes payload as one frame and sends it (conn.send: queued in order with everything
  // else sent on the connection). Returns the encoder's status; nothing is sent on error, and
  // kInvalidPayload without an encoder.
  EncodeStatus send_frame(TcpConnection& conn, std::string_view payload);

  FrameDecoder& decoder() { return *decoder_; }
  // True once a decode error was seen (the connection is closing).
  bool failed() const { return failed_; }
  // Frames delivered so far.
  uint64_t frames_received() const { return frames_received_; }

  void on_data(TcpConnection& conn, Buffer& input) override;

 private:
  void fail(TcpConnection& conn, const DecodeResult& result);

  std::unique_ptr<FrameDecoder> decoder_;
  std::shared_ptr<const FrameEncoder> encoder_;
  FrameCallback on_frame_;
  ErrorCallback on_error_;
  bool failed_ = false;
  uint64_t frames_received_ = 0;
};

// A TcpServer/TcpClient handler factory that gives each connection its own FramedHandler with
// a fresh decoder from make_decoder. Callbacks are shared by all connections (and called on
// several loop threads at once when the server has several: they must be thread-safe).
using DecoderFactory = std::function<std::unique_ptr<FrameDecoder>()>;
std::function<std::unique_ptr<ConnectionHandler>(TcpConnection&)> framed_handler_factory(
    DecoderFactory make_decoder, std::shared_ptr<const FrameEncoder> encoder,
    FramedHandler::FrameCallback on_frame, FramedHandler::ErrorCallback on_error = {});

}  // namespace portico::net
