// ForwardRequest: an absolute-form request forwarded to its origin and the response streamed back.
#include "proxy/forward_request.h"

#include <charconv>
#include <optional>
#include <utility>

#include "portico/base/log.h"

namespace portico::proxy {

ForwardRequest::ForwardRequest(std::shared_ptr<const ForwardShared> shared, ForwardWorker& worker,
                               std::shared_ptr<http::Exchange> exchange, ProxyTarget target)
    : shared_(std::move(shared)),
      exchange_(std::move(exchange)),
      loop_(exchange_->loop()),
      target_(std::move(target)),
      dialer_(loop_, worker.resolver(), shared_->access, shared_->options.connect_timeout_ms) {}

ForwardRequest::~ForwardRequest() {
  // An origin connection still attached notices its owner is gone on its next event.
}

void ForwardRequest::start() {
  const http::RequestHead& head = exchange_->request().head();
  switch (head.body) {
    case http::BodyKind::kNone: framing_ = BodyFraming::kNone; break;
    case http::BodyKind::kContentLength: framing_ = BodyFraming::kContentLength; break;
    case http::BodyKind::kChunked: framing_ = BodyFraming::kChunked; break;
  }
  auto self = shared_from_this();
  exchange_->set_callbacks({
      .on_client_data = [self](std::string_view d) { return self->on_client_data(d); },
      .on_client_end = [self] { self->on_client_end(); },
      .on_client_drain = [self] { self->on_client_drain(); },
      .on_client_gone = [self] { self->on_client_gone(); },
  });
  if (done_) return;
  const ResponseLimits limits = shared_->options.response_limits;
  const UpstreamTimeouts timeouts{shared_->options.upstream_timeout_ms,
                                  shared_->options.upstream_timeout_ms};
  std::weak_ptr<ForwardRequest> weak = weak_from_this();
  dialer_.dial(
      target_,
      [limits, timeouts](net::TcpConnection&) {
        return std::make_unique<UpstreamConnection>(limits, timeouts);
      },
      [weak](net::TcpConnection& conn) {
        if (auto r = weak.lock()) r->on_connected(conn);
      },
      [weak](DialFailure f, std::string detail) {
        if (auto r = weak.lock()) r->on_dial_failed(f, detail);
      });
}

void ForwardRequest::on_connected(net::TcpConnection& conn) {
  auto* h = dynamic_cast<UpstreamConnection*>(conn.handler());
  if (done_ || !exchange_ || !exchange_->active() || h == nullptr) {
    conn.force_close();
    finish();
    return;
  }
  conn_id_ = conn.id();
  const http::Request& req = exchange_->request();
  ForwardContext ctx;
  ctx.client = req.peer();
  ctx.client_tls = req.is_secure();
  const std::string authority = target_.authority();
  ctx.upstream_authority = authority;
  std::string head;
  write_upstream_request_head(req.head(), ctx, shared_->forward, framing_,
                              req.head().content_length, head);
  h->begin(conn, weak_from_this(), std::move(head), framing_, req.method(), /*upgrade=*/false);
  bool more = true;
  if (!pending_.empty()) {
    more = h->send_body(conn, pending_);
    pending_.clear();
  }
  if (client_ended_) h->end_body(conn);
  if (client_paused_ && more && exchange_) {
    client_paused_ = false;
    exchange_->resume_client_input();
  }
}

void ForwardRequest::on_dial_failed(DialFailure failure, const std::string& detail) {
  if (done_ || !exchange_) return;
  LOG_INFO("forward-proxy: %s %s: %s (%s)",
           std::string(exchange_->request().head().method_token).c_str(),
           target_.authority().c_str(), std::string(to_string(failure)).c_str(), detail.c_str());
  answer_error(to_status(failure), to_string(failure));
}

bool ForwardRequest::on_client_data(std::string_view data) {
  if (done_) return true;  // the answer is out: the rest of the body is discarded
  net::TcpConnection* conn = upstream();
  UpstreamConnection* h = upstream_handler();
  if (conn == nullptr || h == nullptr) {
    pending_.append(data);
    if (pending_.size() < UpstreamConnection::kWindowBytes) return true;
    client_paused_ = true;
    return false;
  }
  if (h->send_body(*conn, data)) return true;
  client_paused_ = true;
  return false;
}

void ForwardRequest::on_client_end() {
  if (done_ || client_ended_) return;
  client_ended_ = true;
  net::TcpConnection* conn = upstream();
  UpstreamConnection* h = upstream_handler();
  if (conn != nullptr && h != nullptr) h->end_body(*conn);
}

void ForwardRequest::on_client_drain() {
  if (done_) return;
  net::TcpConnection* conn = upstream();
  UpstreamConnection* h = upstream_handler();
  if (conn != nullptr && h != nullptr) h->resume(*conn);
}

void ForwardRequest::on_client_gone() {
  if (done_) return;
  auto self = shared_from_this();
  note("client-gone");
  close_upstream();
  finish();
}

void ForwardRequest::on_upstream_writable() {
  if (done_ || !client_paused_ || !exchange_) return;
  client_paused_ = false;
  exchange_->resume_client_input();
}

void ForwardRequest::on_upstream_head(const ResponseHead& head) {
  if (done_ || !exchange_) return;
  head_sent_ = true;
  http::Response r(static_cast<http::Status>(head.status));
  copy_response_headers(head, shared_->forward, false, r.headers());
  std::optional<uint64_t> length;
  if (head.body == ResponseBody::kContentLength) {
    length = head.content_length;
  } else if (head.body == ResponseBody::kNone) {
    // A HEAD response or a 304 may describe the length of the body it does not carry.
    const std::string_view cl = head.header("Content-Length");
    uint64_t n = 0;
    if (!cl.empty() &&
        std::from_chars(cl.data(), cl.data() + cl.size(), n).ptr == cl.data() + cl.size()) {
      length = n;
    }
  }
  r.headers().remove("Content-Length");  // the exchange frames the body
  note("ok");
  exchange_->send_head(r, length);
}

bool ForwardRequest::on_upstream_body(std::string_view data) {
  if (done_ || !exchange_ || !exchange_->active()) return true;
  return exchange_->send_body(data);
}

void ForwardRequest::on_upstream_end() {
  if (done_ || !exchange_) return;
  auto self = shared_from_this();
  exchange_->end_body();
  close_upstream();
  finish();
}

void ForwardRequest::on_upstream_failed(UpstreamFailure failure, bool response_started) {
  if (done_) return;
  auto self = shared_from_this();
  conn_id_ = 0;  // the connection is closing on its own
  if (head_sent_ || response_started) {
    // Too late for another answer: cut the response so the client sees it incomplete.
    note(to_string(failure));
    if (exchange_) {
      if (head_sent_) {
        exchange_->abort();
      } else {
        exchange_->respond(http::Response::error(http::Status::kBadGateway));
      }
    }
    finish();
    return;
  }
  answer_error(failure == UpstreamFailure::kTimeout ? http::Status::kGatewayTimeout
                                                    : http::Status::kBadGateway,
               to_string(failure));
}

void ForwardRequest::answer_error(http::Status status, std::string_view reason) {
  auto self = shared_from_this();
  close_upstream();
  note(reason);
  http::Response r = http::Response::error(status);
  r.set_body(std::string(http::reason_phrase(status)) + ": " + target_.authority() + ": " +
                 std::string(reason) + "\n",
             "text/plain; charset=utf-8");
  exchange_->respond(std::move(r));
  finish();
}

net::TcpConnection* ForwardRequest::upstream() const {
  return conn_id_ != 0 ? loop_->find_connection(conn_id_) : nullptr;
}

UpstreamConnection* ForwardRequest::upstream_handler() const {
  net::TcpConnection* c = upstream();
  return c != nullptr ? dynamic_cast<UpstreamConnection*>(c->handler()) : nullptr;
}

void ForwardRequest::close_upstream() {
  if (net::TcpConnection* c = upstream()) {
    if (auto* h = dynamic_cast<UpstreamConnection*>(c->handler())) h->detach();
    c->close();
  }
  conn_id_ = 0;
}

void ForwardRequest::finish() {
  if (done_) return;
  done_ = true;
  dialer_.cancel();
  if (exchange_) {
    std::shared_ptr<http::Exchange> ex = std::move(exchange_);
    loop_->post([ex] {});
  }
}

void ForwardRequest::note(std::string_view reason) {
  if (!exchange_) return;
  std::string n = "target=" + target_.authority() + " addr=";
  n += dialer_.address().port() != 0 ? dialer_.address().to_string() : std::string("-");
  n += " reason=";
  n += reason;
  exchange_->set_log_note(std::move(n));
}

}  // namespace portico::proxy
