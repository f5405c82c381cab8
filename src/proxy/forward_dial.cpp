// ForwardDialer: name resolution, the resolved-address check and the timed connect of one
// forward proxy target.
#include "proxy/forward_dial.h"

#include <cerrno>
#include <chrono>
#include <utility>

namespace portico::proxy {

http::Status to_status(DialFailure f) {
  switch (f) {
    case DialFailure::kDenied: return http::Status::kForbidden;
    case DialFailure::kTimeout: return http::Status::kGatewayTimeout;
    case DialFailure::kNotFound:
    case DialFailure::kDnsError:
    case DialFailure::kRefused:
    case DialFailure::kUnreachable: return http::Status::kBadGateway;
  }
  return http::Status::kBadGateway;
}

std::string_view to_string(DialFailure f) {
  switch (f) {
    case DialFailure::kNotFound: return "dns-not-found";
    case DialFailure::kDnsError: return "dns-error";
    case DialFailure::kDenied: return "network-denied";
    case DialFailure::kRefused: return "refused";
    case DialFailure::kUnreachable: return "unreachable";
    case DialFailure::kTimeout: return "connect-timeout";
  }
  return "unknown";
}

ForwardDialer::ForwardDialer(net::EventLoop* loop, DnsResolver& resolver,
                             const ForwardAccess& access, uint32_t connect_timeout_ms)
    : loop_(loop), resolver_(resolver), access_(access), connect_timeout_ms_(connect_timeout_ms) {}

ForwardDialer::~ForwardDialer() {
  *alive_ = false;
  cancel();
}

void ForwardDialer::dial(const ProxyTarget& target, net::TcpClient::HandlerFactory factory,
                         Connected on_connected, Failed on_failed) {
  factory_ = std::move(factory);
  on_connected_ = std::move(on_connected);
  on_failed_ = std::move(on_failed);
  const uint16_t port = target.port;
  std::weak_ptr<bool> alive = alive_;
  dns_ = resolver_.resolve(target.host, [this, alive, port](const DnsAnswer& answer) {
    if (alive.expired()) return;
    dns_ = DnsRequestId{};
    if (!answer.ok()) {
      const DialFailure f =
          answer.error == DnsError::kNotFound ? DialFailure::kNotFound : DialFailure::kDnsError;
      fail(f, std::string(to_string(answer.error)));
      return;
    }
    // Checked after resolution, on the addresses actually connected to: a public name that
    // resolves to 127.0.0.1 or 10.x is refused like the literal would be (DNS rebinding).
    for (const net::InetAddress& a : answer.addresses) {
      if (access_.check_address(net::IpAddress::from(a)) != AccessVerdict::kAllowed) continue;
      net::InetAddress target_address = a;
      target_address.set_port(port);
      connect(target_address);
      return;
    }
    address_ = answer.addresses.front();
    address_.set_port(port);
    fail(DialFailure::kDenied, address_.host_string());
  });
}

void ForwardDialer::connect(const net::InetAddress& address) {
  address_ = address;
  net::ConnectOptions co;
  co.connect_timeout = std::chrono::milliseconds(connect_timeout_ms_);
  drop_client();
  client_ = std::make_unique<net::TcpClient>(loop_, address, co);
  client_->set_handler_factory(factory_);
  std::weak_ptr<bool> alive = alive_;
  client_->set_on_connected([this, alive](net::TcpConnection& conn) {
    if (alive.expired() || !on_connected_) {
      conn.force_close();
      return;
    }
    Connected done = std::move(on_connected_);  // the callback may cancel or destroy us
    on_failed_ = nullptr;
    done(conn);
  });
  client_->set_on_failure([this, alive](int err) {
    if (alive.expired() || !on_failed_) return;
    DialFailure f = DialFailure::kUnreachable;
    if (err == ETIMEDOUT) f = DialFailure::kTimeout;
    if (err == ECONNREFUSED) f = DialFailure::kRefused;
    fail(f, address_.to_string());
  });
  client_->connect();
}

void ForwardDialer::fail(DialFailure failure, std::string detail) {
  Failed done = std::move(on_failed_);  // the callback may cancel or destroy us
  on_connected_ = nullptr;
  if (done) done(failure, std::move(detail));
}

void ForwardDialer::cancel() {
  if (dns_) {
    resolver_.cancel(dns_);
    dns_ = DnsRequestId{};
  }
  drop_client();
  on_connected_ = nullptr;
  on_failed_ = nullptr;
}

void ForwardDialer::drop_client() {
  if (!client_) return;
  client_->stop();
  // Never destroyed inside its own callback (we may be in one): let the loop drop it later.
  std::shared_ptr<net::TcpClient> old(std::move(client_));
  loop_->post([old] {});
}

}  // namespace portico::proxy
