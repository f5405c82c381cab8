// ProxyRequest: the life of one proxied request, from choosing a server to the last byte.
#include "proxy/proxy_request.h"

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <utility>

#include "portico/base/log.h"
#include "portico/http/cookie.h"
#include "portico/proxy/proxy_handler.h"

namespace portico::proxy {

namespace {

std::string_view cause_name(int err) {
  switch (err) {
    case ECONNREFUSED: return "refused";
    case ETIMEDOUT: return "connect-timeout";
    case ENETUNREACH:
    case EHOSTUNREACH: return "unreachable";
    default: return "connect-failed";
  }
}

}  // namespace

ProxyRequest::ProxyRequest(std::shared_ptr<ProxyWorker> worker,
                           std::shared_ptr<http::Exchange> exchange)
    : worker_(std::move(worker)),
      exchange_(std::move(exchange)),
      loop_(worker_->loop()),
      options_(worker_->options()) {}

ProxyRequest::~ProxyRequest() {
  if (connector_) connector_->stop();
  if (dns_ && worker_->resolver()) worker_->resolver()->cancel(dns_);
  release_server();
  // An upstream connection still attached notices its owner is gone on its next event (and
  // closes); closing it from here could run while the loop itself is being destroyed.
}

void ProxyRequest::start() {
  const http::Request& req = exchange_->request();
  const http::RequestHead& head = req.head();

  // RFC 9110 7.6.2: with Max-Forwards 0 this proxy is the final recipient.
  if (max_forwards_exhausted(head)) {
    http::Response r(http::Status::kOk);
    r.set_header("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    r.set_declared_length(0);
    exchange_->respond(std::move(r));
    return;
  }

  client_address_ = client_address_text(req.peer());
  switch (options_.hash_key) {
    case HashKeySource::kPath: hash_key_ = std::string(req.path()); break;
    case HashKeySource::kHeader: hash_key_ = std::string(req.header(options_.hash_key_name)); break;
    case HashKeySource::kCookie:
      hash_key_ = std::string(http::find_cookie(req, options_.hash_key_name).value_or(""));
      break;
  }
  if (options_.balance == BalancePolicy::kSticky) {
    sticky_cookie_ = std::string(http::find_cookie(req, options_.sticky_cookie).value_or(""));
  }
  if (options_.redirect) {
    answer_redirect();
    return;
  }
  upgrade_ = options_.allow_upgrade && head.upgrade;
  switch (head.body) {
    case http::BodyKind::kNone: framing_ = BodyFraming::kNone; break;
    case http::BodyKind::kContentLength: framing_ = BodyFraming::kContentLength; break;
    case http::BodyKind::kChunked: framing_ = BodyFraming::kChunked; break;
  }

  std::optional<size_t> first = pick();
  if (!first) {
    answer_error(http::Status::kServiceUnavailable, "no-server-up");
    return;
  }
  // From here the request body flows (and a waiting client gets 100 Continue).
  auto self = shared_from_this();
  exchange_->set_callbacks({
      .on_client_data = [self](std::string_view d) { return self->on_client_data(d); },
      .on_client_end = [self] { self->on_client_end(); },
      .on_client_drain = [self] { self->on_client_drain(); },
      .on_client_gone = [self] { self->on_client_gone(); },
  });
  if (done_) return;  // the client left at once
  server_ = first;
  attempt();
}

std::optional<size_t> ProxyRequest::pick() {
  worker_->health().refresh(loop_->now_ms());
  PickContext ctx;
  ctx.client_address = client_address_;
  ctx.hash_key = hash_key_;
  ctx.sticky_cookie = sticky_cookie_;
  ctx.tried = tried_;
  return worker_->balancer().pick(ctx);
}

void ProxyRequest::attempt() {
  const size_t i = *server_;
  ++attempts_;
  UpstreamSet& set = worker_->set();
  set.request_started(i);
  server_counted_ = true;
  from_pool_ = false;
  if (fresh_retries_ == 0) {
    if (net::TcpConnection* conn = worker_->take_idle(i)) {
      from_pool_ = true;
      send_request(*conn);
      return;
    }
  }
  const std::vector<net::InetAddress>& addresses = set.state(i).addresses;
  if (!addresses.empty()) {
    connect(addresses[(attempts_ - 1) % addresses.size()]);
    return;
  }
  DnsResolver* resolver = worker_->resolver();
  if (resolver == nullptr) {
    attempt_failed(Cause::kNoAddress, false, "no-address");
    return;
  }
  std::weak_ptr<ProxyRequest> weak = weak_from_this();
  const uint16_t port = set.port(i);
  dns_ = resolver->resolve(set.host(i), [weak, port](const DnsAnswer& answer) {
    auto self = weak.lock();
    if (!self || self->done_) return;
    self->dns_ = DnsRequestId{};
    if (!answer.ok()) {
      self->attempt_failed(Cause::kNoAddress, false,
                           std::string("dns-") + std::string(to_string(answer.error)));
      return;
    }
    net::InetAddress a = answer.addresses.front();
    a.set_port(port);
    self->connect(a);
  });
}

void ProxyRequest::connect(const net::InetAddress& address) {
  net::ConnectOptions co;
  co.connect_timeout = std::chrono::milliseconds(options_.connect_timeout_ms);
  auto client = std::make_unique<net::TcpClient>(loop_, address, co);
  const ResponseLimits limits = options_.response_limits;
  const UpstreamTimeouts timeouts{options_.connect_timeout_ms, options_.send_timeout_ms,
                                  options_.read_timeout_ms};
  client->set_handler_factory([limits, timeouts](net::TcpConnection&) {
    return std::make_unique<UpstreamConnection>(limits, timeouts);
  });
  if (const auto& tls = worker_->shared().tls[*server_]) {
    client->set_transport_factory(tls->transport_factory());
  }
  std::weak_ptr<ProxyRequest> weak = weak_from_this();
  client->set_on_connected([weak](net::TcpConnection& conn) {
    auto self = weak.lock();
    if (!self || self->done_) {
      conn.force_close();
      return;
    }
    self->on_connected(conn);
  });
  client->set_on_failure([weak](int err) {
    auto self = weak.lock();
    if (!self || self->done_) return;
    self->attempt_failed(err == ETIMEDOUT ? Cause::kTimeout : Cause::kRefused, false,
                         cause_name(err));
  });
  if (connector_) {
    // Never destroyed inside its own callback: let the loop drop it later.
    std::shared_ptr<net::TcpClient> old(std::move(connector_));
    loop_->post([old] {});
  }
  connector_ = std::move(client);
  connector_->connect();
}

void ProxyRequest::on_connected(net::TcpConnection& conn) { send_request(conn); }

void ProxyRequest::send_request(net::TcpConnection& conn) {
  auto* h = dynamic_cast<UpstreamConnection*>(conn.handler());
  if (h == nullptr) {
    conn.force_close();
    attempt_failed(Cause::kReset, false, "no-handler");
    return;
  }
  conn_id_ = conn.id();
  const http::Request& req = exchange_->request();
  ForwardContext ctx;
  ctx.client = req.peer();
  ctx.client_tls = req.is_secure();
  ctx.upstream_authority = worker_->shared().urls[*server_].authority;
  ctx.upgrade = upgrade_;
  ctx.request_id = req.request_id();
  std::string head;
  write_upstream_request_head(req.head(), ctx, options_.forward, framing_,
                              req.head().content_length, head);
  h->begin(conn, weak_from_this(), std::move(head), framing_, req.method(), upgrade_);
  // A retry first replays what the failed attempt had been given, then what has waited.
  bool more = true;
  if (!replay_.empty()) more = h->send_body(conn, replay_);
  if (!pending_.empty()) {
    body_sent_ += pending_.size();
    if (replay_.size() + pending_.size() <= options_.replay_buffer_bytes &&
        body_sent_ == replay_.size() + pending_.size()) {
      replay_ += pending_;
    } else {
      replay_.clear();
    }
    more = h->send_body(conn, pending_);
    pending_.clear();
  }
  if (client_ended_) h->end_body(conn);
  if (client_paused_ && more && exchange_) {
    client_paused_ = false;
    exchange_->resume_client_input();
  }
}

bool ProxyRequest::on_client_data(std::string_view data) {
  if (done_) return true;  // the answer is out: what is left of the body is discarded
  net::TcpConnection* conn = upstream();
  UpstreamConnection* h = upstream_handler();
  if (conn == nullptr || h == nullptr) {
    if (tunnel_) return true;
    pending_.append(data);
    if (pending_.size() < UpstreamConnection::kWindowBytes) return true;
    client_paused_ = true;
    return false;
  }
  if (!tunnel_) {
    body_sent_ += data.size();
    if (body_sent_ <= options_.replay_buffer_bytes && body_sent_ == replay_.size() + data.size()) {
      replay_.append(data);
    } else {
      replay_.clear();
    }
  }
  if (h->send_body(*conn, data)) return true;
  client_paused_ = true;
  return false;
}

void ProxyRequest::on_client_end() {
  if (done_) return;
  auto self = shared_from_this();
  client_ended_ = true;
  net::TcpConnection* conn = upstream();
  UpstreamConnection* h = upstream_handler();
  if (conn != nullptr && h != nullptr) h->end_body(*conn);
  if (tunnel_ && upstream_ended_) {
    close_upstream();
    if (exchange_) exchange_->close_tunnel();
    release_server();
    finish();
  }
}

void ProxyRequest::on_client_drain() {
  if (done_) return;
  net::TcpConnection* conn = upstream();
  UpstreamConnection* h = upstream_handler();
  if (conn != nullptr && h != nullptr) h->resume(*conn);
}

void ProxyRequest::on_client_gone() {
  if (done_) return;
  auto self = shared_from_this();
  note("client-gone");
  close_upstream();
  release_server();
  finish();
}

void ProxyRequest::on_upstream_writable() {
  if (done_ || !client_paused_ || !exchange_) return;
  client_paused_ = false;
  exchange_->resume_client_input();
}

void ProxyRequest::on_upstream_head(const ResponseHead& head) {
  if (done_ || !exchange_) return;
  const size_t i = *server_;
  worker_->health().request_succeeded(i, loop_->now_ms());
  head_sent_ = true;
  if (head.status == 101) {
    tunnel_ = true;
    http::Response r(http::Status::kSwitchingProtocols);
    copy_response_headers(head, options_.forward, true, r.headers());
    note("upgrade");
    exchange_->upgrade(r);
    return;
  }
  http::Response r(static_cast<http::Status>(head.status));
  copy_response_headers(head, options_.forward, false, r.headers());
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
  if (options_.balance == BalancePolicy::kSticky) {
    const std::string value = sticky_cookie_value(worker_->set().server(i));
    if (sticky_cookie_ != value) {
      http::SetCookie c;
      c.name = options_.sticky_cookie;
      c.value = value;
      http::add_set_cookie(r, c, exchange_->request().is_secure());
    }
  }
  note("ok");
  exchange_->send_head(r, length);
}

bool ProxyRequest::on_upstream_body(std::string_view data) {
  if (done_ || !exchange_ || !exchange_->active()) return true;
  return exchange_->send_body(data);
}

void ProxyRequest::on_upstream_end() {
  if (done_ || !exchange_) return;
  auto self = shared_from_this();
  if (tunnel_) {
    upstream_ended_ = true;
    exchange_->end_body();  // FIN toward the client after what is queued
    if (client_ended_) {
      close_upstream();
      exchange_->close_tunnel();
      release_server();
      finish();
    }
    return;
  }
  exchange_->end_body();
  net::TcpConnection* conn = upstream();
  UpstreamConnection* h = upstream_handler();
  if (conn != nullptr && h != nullptr && h->reusable()) {
    h->detach();
    worker_->park(*conn, *server_);
    conn_id_ = 0;
  } else {
    close_upstream();
  }
  release_server();
  finish();
}

void ProxyRequest::on_upstream_failed(UpstreamFailure failure, bool response_started,
                                      std::string_view detail) {
  if (done_) return;
  auto self = shared_from_this();
  conn_id_ = 0;  // the connection is closing on its own
  if (tunnel_) {
    note(std::string("tunnel-") + std::string(to_string(failure)));
    if (exchange_) exchange_->close_tunnel();
    release_server();
    finish();
    return;
  }
  const Cause cause = failure == UpstreamFailure::kTimeout  ? Cause::kTimeout
                      : failure == UpstreamFailure::kClosed ? Cause::kReset
                                                            : Cause::kBadResponse;
  std::string why(to_string(failure));
  if (!detail.empty()) {
    why += " (";
    why += detail;
    why += ')';
  }
  attempt_failed(cause, response_started, why);
}

bool ProxyRequest::may_retry(bool response_started) const {
  if (response_started || attempts_ > options_.max_retries) return false;
  const http::Method m = exchange_->request().method();
  if (!is_idempotent(m) && !options_.retry_post) return false;
  return body_sent_ == replay_.size();  // everything sent can be sent again
}

void ProxyRequest::attempt_failed(Cause cause, bool response_started, std::string_view detail) {
  if (done_ || !exchange_) return;
  auto self = shared_from_this();
  close_upstream();
  const size_t i = *server_;
  const std::string& name = worker_->set().server(i).name;

  // The upstream may close a pooled connection just as it is reused (RFC 9112 9.3.1): that says
  // nothing about the server's health; try again on a fresh connection.
  if (from_pool_ && cause == Cause::kReset && !response_started && fresh_retries_ < 1 &&
      body_sent_ == replay_.size()) {
    ++fresh_retries_;
    release_server();
    --attempts_;
    attempt();
    return;
  }
  fresh_retries_ = 0;
  if (head_sent_) {
    // Too late for another answer: cut the response so the client sees it incomplete.
    LOG_WARN("proxy: upstream %s failed mid-response: %.*s", name.c_str(),
             static_cast<int>(detail.size()), detail.data());
    note(std::string(detail));
    exchange_->abort();
    release_server();
    finish();
    return;
  }
  worker_->health().request_failed(i, loop_->now_ms());
  release_server();
  tried_.push_back(i);
  LOG_WARN("proxy: upstream %s: %.*s", name.c_str(), static_cast<int>(detail.size()),
           detail.data());
  if (may_retry(response_started)) {
    if (std::optional<size_t> next = pick()) {
      server_ = next;
      attempt();
      return;
    }
  }
  answer_error(cause == Cause::kTimeout ? http::Status::kGatewayTimeout : http::Status::kBadGateway,
               detail);
}

void ProxyRequest::answer_error(http::Status status, std::string_view reason) {
  note(reason);
  http::Response r = http::Response::error(status);
  if (status == http::Status::kServiceUnavailable) {
    r.set_header("Retry-After", std::to_string(options_.retry_after_s));
  }
  exchange_->respond(std::move(r));
  finish();
}

void ProxyRequest::answer_redirect() {
  std::optional<size_t> i = pick();
  if (!i) {
    answer_error(http::Status::kServiceUnavailable, "no-server-up");
    return;
  }
  server_ = i;
  const http::Request& req = exchange_->request();
  const UpstreamUrl& url = worker_->shared().urls[*i];
  std::string location = url.https ? "https://" : "http://";
  location += url.authority;
  location += url.path;
  location += req.path();
  if (!req.query().empty()) {
    location += '?';
    location += req.query();
  }
  note("redirect");
  exchange_->respond(http::Response::redirect(http::Status::kFound, location));
  finish();
}

net::TcpConnection* ProxyRequest::upstream() const {
  return conn_id_ != 0 ? loop_->find_connection(conn_id_) : nullptr;
}

UpstreamConnection* ProxyRequest::upstream_handler() const {
  net::TcpConnection* c = upstream();
  return c != nullptr ? dynamic_cast<UpstreamConnection*>(c->handler()) : nullptr;
}

void ProxyRequest::release_server() {
  if (server_counted_) {
    worker_->set().request_finished(*server_);
    server_counted_ = false;
  }
}

void ProxyRequest::close_upstream() {
  if (net::TcpConnection* c = upstream()) {
    if (auto* h = dynamic_cast<UpstreamConnection*>(c->handler())) h->detach();
    c->force_close();
  }
  conn_id_ = 0;
}

void ProxyRequest::finish() {
  if (done_) return;
  done_ = true;
  if (connector_) {
    connector_->stop();
    std::shared_ptr<net::TcpClient> old(std::move(connector_));
    loop_->post([old] {});
  }
  if (dns_) {
    if (DnsResolver* r = worker_->resolver()) r->cancel(dns_);
    dns_ = DnsRequestId{};
  }
  // The exchange's callbacks hold this object; dropping our reference to the exchange breaks the
  // cycle. Deferred, so that nothing is destroyed inside one of its own callbacks.
  if (exchange_) {
    std::shared_ptr<http::Exchange> ex = std::move(exchange_);
    loop_->post([ex] {});
  }
}

void ProxyRequest::note(std::string_view reason) {
  if (!exchange_) return;
  std::string n = "upstream=";
  n += server_ ? worker_->set().server(*server_).address : std::string("-");
  n += " reason=";
  n += reason;
  exchange_->set_log_note(std::move(n));
}

}  // namespace portico::proxy
