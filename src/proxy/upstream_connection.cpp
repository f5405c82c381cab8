// UpstreamConnection: request writing, response reading and keep-alive parking on one upstream
// connection (RFC 9112 6.3 framing, 9.3 persistence).
#include "proxy/upstream_connection.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <utility>

#include "portico/net/buffer.h"
#include "portico/tls/tls_client.h"

namespace portico::proxy {

std::string_view to_string(UpstreamFailure failure) {
  switch (failure) {
    case UpstreamFailure::kClosed: return "closed";
    case UpstreamFailure::kTimeout: return "timeout";
    case UpstreamFailure::kBadResponse: return "bad-response";
    case UpstreamFailure::kBadBody: return "bad-body";
  }
  return "unknown";
}

UpstreamConnection::UpstreamConnection(ResponseLimits limits, UpstreamTimeouts timeouts)
    : limits_(limits), timeouts_(timeouts) {
  // The body is streamed through, never held: only the framing limits matter.
  chunk_limits_.max_body_bytes = UINT64_MAX;
  chunk_limits_.max_trailer_bytes = limits.max_header_bytes;
  chunk_limits_.max_header_count = limits.max_header_count;
}

void UpstreamConnection::begin(net::TcpConnection& conn, std::weak_ptr<UpstreamOwner> owner,
                               std::string head, BodyFraming framing, http::Method method,
                               bool upgrade) {
  owner_ = std::move(owner);
  pool_.reset();
  phase_ = Phase::kHead;
  framing_ = framing;
  method_ = method;
  upgrade_ = upgrade;
  request_complete_ = framing == BodyFraming::kNone;
  response_started_ = false;
  keep_alive_ = false;
  trailing_bytes_ = false;
  paused_ = false;
  peer_eof_ = false;
  eof_pending_ = false;
  want_writable_ = false;
  body_kind_ = ResponseBody::kNone;
  remaining_ = 0;
  scan_.reset();
  head_.clear();
  chunked_.reset();
  arm_timeout(conn);
  conn.send(std::move(head));
}

void UpstreamConnection::arm_timeout(net::TcpConnection& conn) {
  // While the client is slower than the upstream (paused), the client side's send timeout
  // governs; the upstream is not to blame for waiting.
  if (conn.state() == net::TcpConnection::State::kConnecting) {
    // A request may be queued while the TLS handshake runs: the handshake gets the connect
    // deadline, and on_connected re-arms with the request's own.
    conn.set_idle_timeout(std::chrono::milliseconds(timeouts_.handshake_timeout_ms));
    return;
  }
  const uint32_t ms = paused_                                         ? 0
                      : request_complete_ || phase_ == Phase::kTunnel ? timeouts_.read_timeout_ms
                                                                      : timeouts_.send_timeout_ms;
  conn.set_idle_timeout(std::chrono::milliseconds(ms));
}

bool UpstreamConnection::send_body(net::TcpConnection& conn, std::string_view data) {
  if (phase_ == Phase::kFailed || phase_ == Phase::kIdle) return true;
  if (!data.empty()) {
    if (framing_ == BodyFraming::kChunked && phase_ != Phase::kTunnel) {
      char size_line[24];
      const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
      conn.send(std::string_view(size_line, static_cast<size_t>(n)));
      conn.send(data);
      conn.send(std::string_view("\r\n"));
    } else {
      conn.send(data);
    }
  }
  if (conn.queued_bytes() < kWindowBytes) return true;
  want_writable_ = true;
  return false;
}

void UpstreamConnection::end_body(net::TcpConnection& conn) {
  if (phase_ == Phase::kTunnel) {
    conn.shutdown();
    return;
  }
  if (request_complete_ || phase_ == Phase::kFailed || phase_ == Phase::kIdle) return;
  if (framing_ == BodyFraming::kChunked) conn.send(std::string_view("0\r\n\r\n"));
  request_complete_ = true;
  if (phase_ == Phase::kHead || phase_ == Phase::kBody) arm_timeout(conn);
}

void UpstreamConnection::resume(net::TcpConnection& conn) {
  if (!paused_) return;
  paused_ = false;
  if (phase_ == Phase::kBody || phase_ == Phase::kTunnel) arm_timeout(conn);
  conn.resume_reading();  // redelivers what is buffered
}

void UpstreamConnection::pause(net::TcpConnection& conn) {
  paused_ = true;
  conn.pause_reading();
  arm_timeout(conn);
}

bool UpstreamConnection::reusable() const {
  return phase_ == Phase::kDone && keep_alive_ && request_complete_ && !trailing_bytes_ &&
         !peer_eof_;
}

void UpstreamConnection::park(net::TcpConnection& conn, std::weak_ptr<UpstreamPool> pool,
                              uint32_t idle_ms) {
  owner_.reset();
  pool_ = std::move(pool);
  phase_ = Phase::kIdle;
  paused_ = false;
  conn.set_idle_timeout(std::chrono::milliseconds(idle_ms));
  conn.release_buffers();
}

void UpstreamConnection::on_data(net::TcpConnection& conn, net::Buffer& input) {
  switch (phase_) {
    case Phase::kIdle:
    case Phase::kDone:
      // Nothing is expected between responses (RFC 9112 9.3: a server may close an idle
      // connection, but does not talk on it): this connection is not trustworthy any more.
      trailing_bytes_ = true;
      input.retrieve_all();
      if (phase_ == Phase::kIdle) conn.force_close();
      return;
    case Phase::kFailed: input.retrieve_all(); return;
    case Phase::kHead: read_head(conn, input); break;
    case Phase::kBody:
    case Phase::kTunnel: read_body(conn, input); break;
  }
  if (eof_pending_ && input.empty() && !paused_) {
    eof_pending_ = false;
    on_peer_half_closed(conn);
  }
}

void UpstreamConnection::read_head(net::TcpConnection& conn, net::Buffer& input) {
  for (;;) {
    const ResponseParseResult r = parse_response_head(input.view(), method_, limits_, scan_, head_);
    if (r.status == http::ParseStatus::kNeedMore) {
      if (!input.empty()) response_started_ = true;
      return;
    }
    response_started_ = true;
    if (r.status == http::ParseStatus::kError) {
      fail(conn, UpstreamFailure::kBadResponse);
      return;
    }
    if (head_.interim()) {
      // 100 Continue, 102, 103 Early Hints: the proxy answered the client's 100-continue
      // itself, and the final response follows on this connection (RFC 9110 15.2).
      input.retrieve(head_.head_bytes);
      scan_.reset();
      head_.clear();
      continue;
    }
    break;
  }
  if (head_.status == 101 && !upgrade_) {
    fail(conn, UpstreamFailure::kBadResponse);  // a switch nobody asked for
    return;
  }
  body_kind_ = head_.body;
  remaining_ = head_.content_length;
  keep_alive_ = head_.keep_alive;
  phase_ = body_kind_ == ResponseBody::kTunnel ? Phase::kTunnel : Phase::kBody;
  const size_t head_bytes = head_.head_bytes;
  if (auto owner = owner_.lock()) {
    owner->on_upstream_head(head_);  // views point into `input`: consume afterwards
  } else {
    conn.force_close();
    return;
  }
  input.retrieve(head_bytes);
  scan_.reset();
  if (phase_ != Phase::kBody && phase_ != Phase::kTunnel) return;  // the owner failed it
  if (body_kind_ == ResponseBody::kNone ||
      (body_kind_ == ResponseBody::kContentLength && remaining_ == 0)) {
    // Known before the owner decides whether to park the connection.
    trailing_bytes_ = !input.empty();
    finish_body(conn);
    return;
  }
  if (phase_ == Phase::kTunnel) arm_timeout(conn);
  read_body(conn, input);
}

void UpstreamConnection::read_body(net::TcpConnection& conn, net::Buffer& input) {
  while (!input.empty() && !paused_ && (phase_ == Phase::kBody || phase_ == Phase::kTunnel)) {
    auto owner = owner_.lock();
    if (!owner) {
      conn.force_close();
      return;
    }
    std::string_view data;
    size_t consumed = 0;
    bool complete = false;
    switch (body_kind_) {
      case ResponseBody::kContentLength:
        consumed = static_cast<size_t>(std::min<uint64_t>(remaining_, input.readable_bytes()));
        data = input.view().substr(0, consumed);
        remaining_ -= consumed;
        complete = remaining_ == 0;
        break;
      case ResponseBody::kChunked: {
        const http::ChunkedResult r = chunked_.decode(input.view(), chunk_limits_);
        if (r.status == http::ParseStatus::kError) {
          fail(conn, UpstreamFailure::kBadBody);
          return;
        }
        data = r.data;
        consumed = r.consumed;
        complete = r.status == http::ParseStatus::kComplete;
        if (consumed == 0 && !complete) return;  // an incomplete line: wait for more
        break;
      }
      default:  // kUntilClose, kTunnel: every byte
        consumed = input.readable_bytes();
        data = input.view();
        break;
    }
    bool more = true;
    if (!data.empty()) more = owner->on_upstream_body(data);
    input.retrieve(consumed);
    if (phase_ != Phase::kBody && phase_ != Phase::kTunnel) return;  // failed or detached
    if (complete) {
      trailing_bytes_ = !input.empty();
      finish_body(conn);
      return;
    }
    if (!more) pause(conn);
  }
}

void UpstreamConnection::finish_body(net::TcpConnection& conn) {
  phase_ = Phase::kDone;
  conn.set_idle_timeout(std::chrono::milliseconds(0));
  if (auto owner = owner_.lock()) owner->on_upstream_end();
}

void UpstreamConnection::fail(net::TcpConnection& conn, UpstreamFailure failure) {
  if (phase_ == Phase::kFailed) return;
  phase_ = Phase::kFailed;
  auto owner = owner_.lock();
  owner_.reset();
  conn.force_close();
  if (owner) owner->on_upstream_failed(failure, response_started_, {});
}

void UpstreamConnection::on_connected(net::TcpConnection& conn) {
  if (phase_ == Phase::kHead || phase_ == Phase::kBody) arm_timeout(conn);
}

void UpstreamConnection::on_write_complete(net::TcpConnection& /*conn*/) {
  if (!want_writable_) return;
  want_writable_ = false;
  if (auto owner = owner_.lock()) owner->on_upstream_writable();
}

void UpstreamConnection::on_peer_half_closed(net::TcpConnection& conn) {
  if (paused_) {
    eof_pending_ = true;  // buffered bytes are still to be delivered; see on_data
    return;
  }
  peer_eof_ = true;
  switch (phase_) {
    case Phase::kIdle:
    case Phase::kDone: conn.force_close(); return;
    case Phase::kFailed: return;
    case Phase::kHead: fail(conn, UpstreamFailure::kClosed); return;
    case Phase::kBody:
      if (body_kind_ == ResponseBody::kUntilClose) {
        keep_alive_ = false;
        finish_body(conn);
        return;
      }
      fail(conn, UpstreamFailure::kClosed);  // cut short
      return;
    case Phase::kTunnel:
      // The upstream is done sending; the client may still be (half-close, RFC 9293 3.6).
      if (auto owner = owner_.lock()) owner->on_upstream_end();
      return;
  }
}

void UpstreamConnection::on_idle_timeout(net::TcpConnection& conn) {
  if (phase_ == Phase::kIdle || phase_ == Phase::kDone) {
    conn.force_close();
    return;
  }
  fail(conn, UpstreamFailure::kTimeout);
}

void UpstreamConnection::on_closed(net::TcpConnection& conn) {
  if (phase_ == Phase::kIdle) {
    if (auto pool = pool_.lock()) pool->remove(conn.id());
    return;
  }
  if (phase_ == Phase::kHead || phase_ == Phase::kBody || phase_ == Phase::kTunnel) {
    phase_ = Phase::kFailed;
    auto owner = owner_.lock();
    owner_.reset();
    if (!owner) return;
    // Why it closed: a TLS failure says most; else the errno (ECONNRESET), else an orderly FIN.
    std::string detail = tls::tls_failure_reason(conn.transport());
    if (detail.empty() && conn.close_error() != 0) detail = std::strerror(conn.close_error());
    owner->on_upstream_failed(UpstreamFailure::kClosed, response_started_, detail);
  }
}

}  // namespace portico::proxy
