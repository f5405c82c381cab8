// A picture of a running server's connections for the status page and metrics: each loop
// describes its own connections (phase, age, current request, TCP_INFO), and the pieces are
// gathered asynchronously, so no loop ever waits for another.
//
//   collect_server_status(server.serving_loops(), ex->loop(), {}, [ex](ServerStatus s) {
//     ex->respond(render(s));   // back on ex->loop()
//   });
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/net/event_loop.h"
#include "portico/net/inet_address.h"
#include "portico/net/tcp_connection.h"

namespace portico::http {

// What a connection is doing, as an operator reads it.
enum class ConnectionPhase : uint8_t {
  kHandshake,  // TLS handshake in progress
  kIdle,       // keep-alive, between requests
  kReading,    // receiving a request head or body
  kWriting,    // a response is being produced or sent
  kTunnel,     // bytes relayed both ways after an upgrade or CONNECT
  kClosing,    // closing (flushing, lingering)
};
inline constexpr size_t kConnectionPhases = 6;
std::string_view to_string(ConnectionPhase phase);

// The kernel's TCP state name for TcpInfo::state ("ESTABLISHED", "CLOSE_WAIT", ...).
std::string_view tcp_state_name(uint8_t state);

struct ConnectionStatus {
  uint64_t id = 0;
  int worker = 0;  // index into the loops given to collect_server_status
  net::InetAddress peer;
  net::InetAddress local;
  bool secure = false;
  ConnectionPhase phase = ConnectionPhase::kIdle;
  int64_t age_ms = 0;
  uint32_t requests = 0;        // requests answered (or being answered) on it
  std::string current_request;  // "GET /path HTTP/1.1" while one is in progress, else ""
  std::string request_id;       // of the current (or last) request
  net::TcpInfo tcp;
  size_t queued_bytes = 0;  // output not yet handed to the kernel
};

// One upstream server as the loops see it: health checks and load accounting run per loop, so
// each loop reports its own view and the views are merged by (pool, server).
struct UpstreamStatus {
  std::string pool;    // the pool (route) it belongs to
  std::string server;  // its name (the address unless named)
  bool up = true;      // merged: up on every loop that reports it
  uint32_t up_loops = 0;
  uint32_t loops = 0;     // loops that reported it
  uint32_t active = 0;    // requests in progress, summed
  uint64_t picks = 0;     // times chosen, summed
  uint64_t failures = 0;  // failed attempts, summed
};
// Appends the upstream servers one loop knows (run on that loop's thread). Supplied by the
// owner of the proxy handlers; a loop reports each (pool, server) at most once.
using UpstreamProbe = std::function<void(std::vector<UpstreamStatus>& out)>;

struct WorkerStatus {
  int index = 0;
  size_t connections = 0;
  net::LoopStats loop;
};

struct ServerStatus {
  std::vector<WorkerStatus> workers;
  // At most max_rows, oldest first; the counts below cover every connection.
  std::vector<ConnectionStatus> connections;
  size_t total_connections = 0;
  std::array<size_t, kConnectionPhases> by_phase{};
  std::array<size_t, 16> by_tcp_state{};  // index: the kernel's TCP state number (1..12)
  size_t requests_in_flight = 0;          // connections reading a request or writing a response
  std::vector<UpstreamStatus> upstreams;  // sorted by pool, server
};

struct CollectOptions {
  size_t max_rows = 500;    // rows in ServerStatus::connections
  UpstreamProbe upstreams;  // may be empty
};

// Posts a task to every loop (each reads its own connections on its own thread) and calls
// done on reply_loop's thread once all have answered. Returns at once. The loops must outlive
// the collection; a loop that stops before running its task leaves done uncalled.
void collect_server_status(const std::vector<net::EventLoop*>& loops, net::EventLoop* reply_loop,
                           CollectOptions options, std::function<void(ServerStatus)> done);

}  // namespace portico::http
