// ForwardDialer: reaches a forward proxy target: resolves its name asynchronously, checks every
// resolved address against the network rules (DNS rebinding), connects with a timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "portico/http/status.h"
#include "portico/net/event_loop.h"
#include "portico/net/inet_address.h"
#include "portico/net/tcp_client.h"
#include "portico/proxy/dns_resolver.h"
#include "portico/proxy/forward_access.h"

namespace portico::proxy {

// Why a target could not be reached, with the status the client gets (one table: to_status).
enum class DialFailure : uint8_t {
  kNotFound,     // the name does not resolve (502)
  kDnsError,     // the resolver failed: timeout, SERVFAIL (502)
  kDenied,       // every resolved address is in a denied network (403)
  kRefused,      // ECONNREFUSED (502)
  kUnreachable,  // no route, host down, reset during connect (502)
  kTimeout,      // the connect timed out (504)
};
http::Status to_status(DialFailure f);
std::string_view to_string(DialFailure f);

// One dial at a time; owned by the request or tunnel that dials. Callbacks run later on the
// loop, never inside dial(); none runs after cancel() or destruction.
class ForwardDialer {
 public:
  using Connected = std::function<void(net::TcpConnection& conn)>;
  using Failed = std::function<void(DialFailure failure, std::string detail)>;

  ForwardDialer(net::EventLoop* loop, DnsResolver& resolver, const ForwardAccess& access,
                uint32_t connect_timeout_ms);
  ~ForwardDialer();
  ForwardDialer(const ForwardDialer&) = delete;
  ForwardDialer& operator=(const ForwardDialer&) = delete;

  void dial(const ProxyTarget& target, net::TcpClient::HandlerFactory factory,
            Connected on_connected, Failed on_failed);
  void cancel();

  // The address connected to (or being connected to), for logs; port 0 before resolution.
  const net::InetAddress& address() const { return address_; }

 private:
  void connect(const net::InetAddress& address);
  void drop_client();
  void fail(DialFailure failure, std::string detail);

  net::EventLoop* const loop_;
  DnsResolver& resolver_;
  const ForwardAccess& access_;
  const uint32_t connect_timeout_ms_;
  net::TcpClient::HandlerFactory factory_;
  Connected on_connected_;
  Failed on_failed_;
  DnsRequestId dns_;
  std::unique_ptr<net::TcpClient> client_;
  net::InetAddress address_;
  // Guards callbacks against a dialer destroyed or cancelled meanwhile.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace portico::proxy
