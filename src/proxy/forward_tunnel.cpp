// ForwardTunnel: the life of one CONNECT tunnel, from the dial to the last relayed byte.
#include "proxy/forward_tunnel.h"

#include <chrono>
#include <utility>

#include "portico/base/log.h"

namespace portico::proxy {

ForwardTunnel::ForwardTunnel(std::shared_ptr<const ForwardShared> shared, ForwardWorker& worker,
                             std::shared_ptr<http::Exchange> exchange, ProxyTarget target,
                             std::string client_key)
    : shared_(std::move(shared)),
      exchange_(std::move(exchange)),
      loop_(exchange_->loop()),
      target_(std::move(target)),
      client_key_(std::move(client_key)),
      dialer_(loop_, worker.resolver(), shared_->access, shared_->options.connect_timeout_ms) {}

ForwardTunnel::~ForwardTunnel() {
  release();
  // A target connection still attached notices the tunnel is gone on its next event.
}

void ForwardTunnel::start() {
  start_ms_ = loop_->now_ms();
  auto self = shared_from_this();
  // Installed at once so a client that leaves while the target is dialled is noticed. The
  // request has no body: the first on_client_end (the body's end) comes before the tunnel
  // exists and is ignored.
  exchange_->set_callbacks({
      .on_client_data = [self](std::string_view d) { return self->on_client_data(d); },
      .on_client_end = [self] { self->on_client_end(); },
      .on_client_drain = [self] { self->on_client_drain(); },
      .on_client_gone = [self] { self->on_client_gone(); },
  });
  if (done_) return;
  update_note("connecting");
  std::weak_ptr<ForwardTunnel> weak = weak_from_this();
  dialer_.dial(
      target_, [weak](net::TcpConnection&) { return std::make_unique<TunnelTargetHandler>(weak); },
      [weak](net::TcpConnection& conn) {
        if (auto t = weak.lock()) t->on_connected(conn);
      },
      [weak](DialFailure f, std::string detail) {
        if (auto t = weak.lock()) t->on_dial_failed(f, detail);
      });
}

void ForwardTunnel::on_connected(net::TcpConnection& conn) {
  if (done_ || !exchange_ || !exchange_->active()) {
    conn.force_close();
    finish("client-gone");
    return;
  }
  target_id_ = conn.id();
  established_ = true;
  if (shared_->options.tunnel_idle_timeout_ms > 0) {
    // Every relayed byte passes through this connection, so its idle time is the tunnel's.
    conn.set_idle_timeout(std::chrono::milliseconds(shared_->options.tunnel_idle_timeout_ms));
  }
  update_note("open");
  // RFC 9110 9.3.6: any 2xx means the tunnel is up; it carries no body framing.
  exchange_->upgrade(http::Response(http::Status::kOk));
}

void ForwardTunnel::on_dial_failed(DialFailure failure, const std::string& detail) {
  if (done_ || !exchange_) return;
  auto self = shared_from_this();
  LOG_INFO("forward-proxy: CONNECT %s: %s (%s)", target_.authority().c_str(),
           std::string(to_string(failure)).c_str(), detail.c_str());
  update_note(to_string(failure));
  http::Response r = http::Response::error(to_status(failure));
  if (failure == DialFailure::kDenied) {
    r.set_body("403 Forbidden: the forward proxy does not allow connections to " +
                   target_.authority() + " (" + detail + " is in a denied network)\n",
               "text/plain; charset=utf-8");
  } else {
    r.set_body(std::string(http::reason_phrase(to_status(failure))) + ": " + target_.authority() +
                   ": " + std::string(to_string(failure)) + "\n",
               "text/plain; charset=utf-8");
  }
  r.set_close_connection(true);
  exchange_->respond(std::move(r));
  finish(to_string(failure));
}

bool ForwardTunnel::on_client_data(std::string_view data) {
  if (done_) return true;
  net::TcpConnection* t = target();
  if (t == nullptr) return true;  // ending: what is left is dropped
  bytes_up_ += data.size();
  t->send(data);
  if (t->queued_bytes() < shared_->options.tunnel_window_bytes) return true;
  // The target reads slower than the client writes: stop reading the client until the queue
  // toward the target drains (on_target_writable).
  client_paused_ = true;
  return false;
}

void ForwardTunnel::on_target_writable() {
  if (done_ || !client_paused_ || !exchange_) return;
  client_paused_ = false;
  exchange_->resume_client_input();
}

void ForwardTunnel::on_target_data(net::TcpConnection& conn, net::Buffer& input) {
  if (done_ || !exchange_ || !exchange_->active()) {
    input.retrieve_all();
    return;
  }
  const std::string_view data = input.view();
  bytes_down_ += data.size();
  const bool more = exchange_->send_body(data);
  input.retrieve_all();
  if (!more && !done_) {
    // The client reads slower than the target writes: stop reading the target until the
    // exchange's queue drains (on_client_drain).
    target_paused_ = true;
    conn.pause_reading();
  }
}

void ForwardTunnel::on_client_drain() {
  if (done_ || !target_paused_) return;
  target_paused_ = false;
  if (net::TcpConnection* t = target()) t->resume_reading();
}

void ForwardTunnel::on_client_end() {
  if (done_ || !established_ || client_ended_) return;  // before upgrade: the empty body's end
  auto self = shared_from_this();
  client_ended_ = true;
  // Half-close passed through: the target gets our FIN after what is queued, and may still
  // answer (RFC 9293 3.6; a client that shuts down its sending side still reads).
  if (net::TcpConnection* t = target()) t->shutdown();
  if (target_ended_) {
    finish("closed");
  } else {
    update_note("client-fin");
  }
}

void ForwardTunnel::on_target_end(net::TcpConnection& conn) {
  (void)conn;
  if (done_ || !exchange_) return;
  auto self = shared_from_this();
  target_ended_ = true;
  if (client_ended_) {
    finish("closed");
    return;
  }
  update_note("target-fin");
  exchange_->end_body();  // FIN toward the client after the queued bytes
}

void ForwardTunnel::on_target_idle(net::TcpConnection& conn) {
  (void)conn;
  if (done_) return;
  auto self = shared_from_this();
  finish("idle-timeout");
}

void ForwardTunnel::on_target_closed() {
  if (done_) return;
  auto self = shared_from_this();
  target_id_ = 0;
  // Closed before both directions ended: a reset, or the target's close after its FIN while
  // the client had not finished.
  finish(target_ended_ ? "target-closed" : "target-reset");
}

void ForwardTunnel::on_client_gone() {
  if (done_) return;
  auto self = shared_from_this();
  finish("client-gone");
}

net::TcpConnection* ForwardTunnel::target() const {
  return target_id_ != 0 ? loop_->find_connection(target_id_) : nullptr;
}

void ForwardTunnel::update_note(std::string_view reason) {
  if (!exchange_) return;
  std::string n = "target=" + target_.authority();
  n += " addr=";
  n += dialer_.address().port() != 0 ? dialer_.address().to_string() : std::string("-");
  if (established_) {
    n += " up=" + std::to_string(bytes_up_);
    n += " down=" + std::to_string(bytes_down_);
    n += " ms=" + std::to_string(loop_->now_ms() - start_ms_);
  }
  n += " reason=";
  n += reason;
  exchange_->set_log_note(std::move(n));
}

void ForwardTunnel::finish(std::string_view reason) {
  if (done_) return;
  done_ = true;
  dialer_.cancel();
  update_note(reason);
  if (net::TcpConnection* t = target()) {
    if (auto* h = dynamic_cast<TunnelTargetHandler*>(t->handler())) h->detach();
    // Both directions ended: a graceful close; otherwise the tunnel is cut.
    if (client_ended_ && target_ended_) {
      t->close();
    } else {
      t->force_close();
    }
  }
  target_id_ = 0;
  release();
  if (exchange_) {
    std::shared_ptr<http::Exchange> ex = std::move(exchange_);
    if (established_) ex->close_tunnel();
    // The exchange's callbacks hold this tunnel: dropping the reference later breaks the cycle
    // without destroying anything inside one of its own callbacks.
    loop_->post([ex] {});
  }
}

void ForwardTunnel::release() {
  if (!counted_) return;
  counted_ = false;
  shared_->tunnels.release(client_key_);
}

// --- TunnelTargetHandler ------------------------------------------------------------------

void TunnelTargetHandler::on_data(net::TcpConnection& conn, net::Buffer& input) {
  if (auto t = tunnel_.lock()) {
    t->on_target_data(conn, input);
    return;
  }
  input.retrieve_all();
  conn.force_close();
}

void TunnelTargetHandler::on_write_complete(net::TcpConnection& /*conn*/) {
  if (auto t = tunnel_.lock()) t->on_target_writable();
}

void TunnelTargetHandler::on_peer_half_closed(net::TcpConnection& conn) {
  if (auto t = tunnel_.lock()) {
    t->on_target_end(conn);
    return;
  }
  conn.force_close();
}

void TunnelTargetHandler::on_idle_timeout(net::TcpConnection& conn) {
  if (auto t = tunnel_.lock()) {
    t->on_target_idle(conn);
    return;
  }
  conn.force_close();
}

void TunnelTargetHandler::on_closed(net::TcpConnection& /*conn*/) {
  auto t = tunnel_.lock();
  tunnel_.reset();
  if (t) t->on_target_closed();
}

}  // namespace portico::proxy
