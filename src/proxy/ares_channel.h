// Internal to proxy/: one c-ares channel driven by an EventLoop (its sockets and its timeouts).
#pragma once

#include <ares.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/channel.h"
#include "portico/net/event_loop.h"
#include "portico/net/inet_address.h"
#include "portico/proxy/dns_resolver.h"

namespace portico::proxy::detail {

// What one getaddrinfo query produced.
struct AresResult {
  DnsError error = DnsError::kNone;
  std::vector<net::InetAddress> addresses;  // port 0, duplicates removed, in c-ares's order
  int64_t ttl_seconds = 0;                  // the smallest TTL of the records used
};

// c-ares does no I/O of its own here: it reports each socket it opens through its socket-state
// callback, which becomes a net::Channel on the loop, and its next timeout becomes one loop
// timer. Loop thread only. Destroying it cancels every query without calling back.
class AresChannel {
 public:
  using Done = std::function<void(AresResult)>;

  // Throws std::runtime_error when c-ares cannot be set up or the server list is invalid.
  AresChannel(net::EventLoop* loop, const DnsOptions& options);
  ~AresChannel();
  AresChannel(const AresChannel&) = delete;
  AresChannel& operator=(const AresChannel&) = delete;

  // Starts resolving `name` (a host name, not a literal). `done` runs exactly once, unless the
  // channel is destroyed first; it may run before getaddrinfo() returns (names answered from
  // /etc/hosts are), so callers must be ready for that.
  void getaddrinfo(const std::string& name, AddressFamily family, Done done);

  // Sockets c-ares currently has open (for tests: all are closed once no query is pending).
  size_t open_sockets() const { return sockets_.size(); }

 private:
  struct Query;
  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable);
  static void on_addrinfo(void* arg, int status, int timeouts, ares_addrinfo* result);

  void socket_state(int fd, bool readable, bool writable);
  void on_socket_event(int fd, uint32_t events);
  void process_timeouts();
  void update_timer();

  net::EventLoop* const loop_;
  ares_channel channel_ = nullptr;
  std::unordered_map<int, std::unique_ptr<net::Channel>> sockets_;
  // Channels c-ares closed while one of them may be dispatching an event: destroyed only once
  // nothing of theirs is on the stack.
  std::vector<std::unique_ptr<net::Channel>> retired_;
  net::TimerId timer_;
  bool destroying_ = false;
};

}  // namespace portico::proxy::detail
