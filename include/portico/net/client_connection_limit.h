// ClientConnectionLimiter: caps the connections one client address holds open at once, so one
// host cannot take every file descriptor. Counted per worker thread at accept, without locks.
//
//   auto limiter = std::make_shared<net::ClientConnectionLimiter>(64);
//   listener.transport = net::limit_connections_per_client(limiter, listener.transport);
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "portico/base/per_thread.h"
#include "portico/net/cidr.h"
#include "portico/net/tcp_server.h"

namespace portico::net {

class ClientConnectionLimiter {
 public:
  // max_per_client 0: no limit (connections are still counted).
  explicit ClientConnectionLimiter(uint32_t max_per_client);
  ~ClientConnectionLimiter();
  ClientConnectionLimiter(const ClientConnectionLimiter&) = delete;
  ClientConnectionLimiter& operator=(const ClientConnectionLimiter&) = delete;

  // Thread-safe; a config reload lowers or raises the limit for connections accepted after it.
  void set_max_per_client(uint32_t max) { max_.store(max, std::memory_order_relaxed); }
  uint32_t max_per_client() const { return max_.load(std::memory_order_relaxed); }
  // Connections refused so far (all threads).
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

  struct Table;
  // One accepted connection's place in the count; destroying it gives the place back. Destroy
  // it on the thread that acquired it (a connection closes on its own loop).
  class Slot {
   public:
    Slot(Table* table, IpAddress client) : table_(table), client_(client) {}
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    Table* table_;
    IpAddress client_;
  };
  // On the accepting thread: a Slot, or nullptr when the client is at its limit (counted as
  // refused). The count is this thread's: a client whose connections the kernel spreads over W
  // worker loops (SO_REUSEPORT hashes each connection) may hold up to W x the limit.
  std::unique_ptr<Slot> acquire(const IpAddress& client);
  // Connections the calling thread counts for `client` (tests, status).
  uint32_t local_count(const IpAddress& client) const;

 private:
  std::atomic<uint32_t> max_;
  std::atomic<uint64_t> refused_{0};
  PerThread<Table> tables_;
};

// Wraps a listener's transport factory (empty: plain TCP) so each accepted connection holds a
// slot of `limiter` for its lifetime. A client over its limit is refused at once: on a plain
// listener it gets "503 Service Unavailable" (RFC 9110 15.6.4) with Connection: close, on a TLS
// listener (no handshake is spent on it) the connection is closed.
TcpServer::TransportFactory limit_connections_per_client(
    std::shared_ptr<ClientConnectionLimiter> limiter, TcpServer::TransportFactory inner);

}  // namespace portico::net
