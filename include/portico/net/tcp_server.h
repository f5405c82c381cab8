// TcpServer: listens on one address, accepts on the worker loops, owns nothing per connection.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "portico/net/connection_handler.h"
#include "portico/net/event_loop.h"
#include "portico/net/inet_address.h"
#include "portico/net/tcp_connection.h"
#include "portico/net/transport.h"

namespace portico::net {

class Acceptor;

// Listening-socket options, with defaults.
struct ListenOptions {
  // accept queue length (the kernel caps it at net.core.somaxconn).
  int backlog = 511;
  // One SO_REUSEPORT listener per worker loop (see TcpServer). false: one listener on the base
  // loop that hands accepted sockets to the workers round-robin.
  bool reuse_port = true;
  // TCP_NODELAY on accepted sockets: Nagle's algorithm holds back a small segment while an
  // earlier one is unacknowledged, and the peer's delayed ACK (up to 40 ms on Linux) then stalls
  // a response written in two pieces (head, then body). Servers that write whole messages gain
  // nothing from Nagle, so it is off.
  bool tcp_nodelay = true;
  // TCP_DEFER_ACCEPT: wake accept() only when the first data arrives (saves a wakeup per
  // connection for client-speaks-first protocols like HTTP; connections that never send are
  // dropped by the kernel after the timeout). Seconds when enabled.
  bool defer_accept = false;
  int defer_accept_seconds = 30;
  // TCP_FASTOPEN queue length (0 = off): lets a returning client send data in its SYN.
  int fastopen_queue = 0;
  // SO_KEEPALIVE on accepted sockets (kernel probes find dead peers on idle connections).
  bool keepalive = false;
  // Limits given to each accepted connection.
  ConnectionLimits connection_limits;
  // 0 = no per-connection idle timeout set by the server (the handler may set one).
  int64_t idle_timeout_ms = 0;
};

// Listener model. With reuse_port (the default) every worker loop has its own listening socket
// bound to the same address with SO_REUSEPORT: the kernel spreads incoming connections over
// the sockets by flow hash, each loop accepts on its own socket and keeps what it accepts, so
// accepting takes no lock, no cross-thread hand-off and wakes no other thread (no thundering
// herd). The alternative (reuse_port = false) is one listener on the base loop that posts each
// accepted fd to the next worker; it balances strictly round-robin but costs a cross-thread
// wakeup per connection and funnels every accept through one thread. bench/accept_load
// measures both; on the shared, heavily loaded 2-core development machine the two were within
// noise of each other (roughly 5,000-13,000 connections/s each, run to run), so the default
// rests on the structural argument above; re-measure on a quiet multi-core host.
// Caveat of SO_REUSEPORT: a second process of the same user can bind the same port and the
// kernel will split connections between the two instead of failing with "address in use".
//
// Fd exhaustion (EMFILE/ENFILE/ENOBUFS/ENOMEM from accept): the listener stops accepting for
// 100 ms and retries, instead of spinning on a readiness it cannot clear; pending clients wait
// in the backlog and are served once fds are free. Logged at most once per second.
//
// Threading: construct, start(), stop_accepting(), close_all() and destroy on the base loop's
// thread. The handler factory runs on worker threads and must be thread-safe.
class TcpServer {
 public:
  using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(TcpConnection&)>;
  using TransportFactory = std::function<std::unique_ptr<Transport>(int fd)>;

  // worker_loops empty: everything runs on base_loop. Loops must outlive the server.
  TcpServer(EventLoop* base_loop, std::vector<EventLoop*> worker_loops, InetAddress addr,
            ListenOptions options = {});
  // Stops accepting and force-closes this server's connections (their handlers see
  // on_closed), waiting for each running worker loop to do so.
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  void set_handler_factory(HandlerFactory factory);
  // Default: PlainTransport. TLS installs a factory that wraps the fd in its transport.
  void set_transport_factory(TransportFactory factory);

  // Binds and listens. Throws std::system_error naming the address on failure, e.g.
  // "listen 127.0.0.1:80: bind: Address already in use".
  void start();
  // The bound address (with the actual port when bound to port 0). Valid after start().
  InetAddress listen_address() const { return bound_; }
  // Closes the listening sockets; established connections continue. Waits for the loops.
  void stop_accepting();
  // Connections of this server that are open (thread-safe, approximate while changing).
  size_t connection_count() const { return connection_count_.load(std::memory_order_relaxed); }
  // graceful: close() each connection (flush, linger); else force_close(). Asynchronous: each
  // loop closes its own connections.
  void close_all(bool graceful);

 private:
  struct LoopSlot;

  void new_connection(LoopSlot& slot, int fd, const InetAddress& peer);

  EventLoop* const base_loop_;
  const InetAddress addr_;
  const ListenOptions options_;
  InetAddress bound_;
  HandlerFactory handler_factory_;
  TransportFactory transport_factory_;
  std::vector<std::unique_ptr<LoopSlot>> slots_;  // one per worker loop (or the base loop)
  std::unique_ptr<Acceptor> shared_acceptor_;     // reuse_port == false
  size_t next_slot_ = 0;
  bool started_ = false;
  std::atomic<size_t> connection_count_{0};
  // Cleared first thing in the destructor; tasks already posted to loops check it.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace portico::net
