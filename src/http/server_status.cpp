// Gathers the connection picture from every loop: each loop walks its own connection table on
// its own thread; the pieces are merged on the asking loop.
#include "portico/http/server_status.h"

#include <algorithm>
#include <memory>

#include "http/http_connection.h"

namespace portico::http {

std::string_view to_string(ConnectionPhase phase) {
  switch (phase) {
    case ConnectionPhase::kHandshake: return "handshake";
    case ConnectionPhase::kIdle: return "idle";
    case ConnectionPhase::kReading: return "reading";
    case ConnectionPhase::kWriting: return "writing";
    case ConnectionPhase::kTunnel: return "tunnel";
    case ConnectionPhase::kClosing: return "closing";
  }
  return "unknown";
}

std::string_view tcp_state_name(uint8_t state) {
  // include/net/tcp_states.h numbering.
  static constexpr std::string_view kNames[] = {
      "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT",
      "CLOSE",   "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV"};
  return state < std::size(kNames) ? kNames[state] : "UNKNOWN";
}

// HttpConnection's part of a row (declared in http_connection.h; kept here, with the rest of the
// status picture, so the connection itself only keeps the facts).
void HttpConnection::describe(const net::TcpConnection& conn, int64_t now_ms,
                              ConnectionStatus& out) const {
  out.age_ms = now_ms - accepted_ms_;
  out.requests = requests_;
  out.request_id = info_.request_id;
  bool sending = waiting_for_drain_ || stream_ || ex_pushing_ || conn.queued_bytes() > 0;
  switch (phase_) {
    case Phase::kIdle:
      out.phase = sending ? ConnectionPhase::kWriting : ConnectionPhase::kIdle;
      break;
    case Phase::kHead: out.phase = ConnectionPhase::kReading; break;
    case Phase::kBody: out.phase = ConnectionPhase::kReading; break;
    case Phase::kExchange:
      out.phase =
          ex_body_done_ || ex_responded_ ? ConnectionPhase::kWriting : ConnectionPhase::kReading;
      break;
    case Phase::kTunnel: out.phase = ConnectionPhase::kTunnel; break;
    case Phase::kClosing: out.phase = ConnectionPhase::kClosing; break;
  }
  // The request line of the request in progress; none while idle or reading a new head. A
  // closing connection still sending its last response is still answering that request.
  bool answering =
      out.phase == ConnectionPhase::kReading || out.phase == ConnectionPhase::kWriting ||
      out.phase == ConnectionPhase::kTunnel || (out.phase == ConnectionPhase::kClosing && sending);
  if (phase_ != Phase::kHead && answering) out.current_request = request_line_;
}

namespace {

struct Gather {
  std::function<void(ServerStatus)> done;
  CollectOptions options;
  ServerStatus status;
  size_t remaining = 0;
};

ConnectionStatus describe_connection(net::TcpConnection& conn, int worker, int64_t now_ms) {
  ConnectionStatus row;
  row.id = conn.id();
  row.worker = worker;
  row.peer = conn.peer_address();
  row.local = conn.local_address();
  row.secure = conn.transport().is_secure();
  row.tcp = conn.tcp_info();
  row.queued_bytes = conn.queued_bytes();
  if (auto* http = dynamic_cast<HttpConnection*>(conn.handler())) {
    http->describe(conn, now_ms, row);
  } else {
    row.phase = row.queued_bytes > 0 ? ConnectionPhase::kWriting : ConnectionPhase::kIdle;
  }
  using State = net::TcpConnection::State;
  if (conn.state() == State::kConnecting) row.phase = ConnectionPhase::kHandshake;
  if (conn.state() == State::kClosing || conn.state() == State::kClosed) {
    row.phase = ConnectionPhase::kClosing;
  }
  return row;
}

void merge_upstreams(std::vector<UpstreamStatus>& all, std::vector<UpstreamStatus> mine) {
  for (auto& u : mine) {
    auto it = std::find_if(all.begin(), all.end(), [&u](const UpstreamStatus& x) {
      return x.pool == u.pool && x.server == u.server;
    });
    if (it == all.end()) {
      u.loops = 1;
      u.up_loops = u.up ? 1 : 0;
      all.push_back(std::move(u));
      continue;
    }
    it->loops++;
    if (u.up) it->up_loops++;
    it->up = it->up && u.up;
    it->active += u.active;
    it->picks += u.picks;
    it->failures += u.failures;
  }
}

// On the reply loop: adds one loop's piece; the last one completes the gather.
void merge(const std::shared_ptr<Gather>& g, WorkerStatus worker,
           std::vector<ConnectionStatus> rows, std::vector<UpstreamStatus> upstreams) {
  ServerStatus& s = g->status;
  merge_upstreams(s.upstreams, std::move(upstreams));
  s.total_connections += worker.connections;
  s.workers.push_back(worker);
  for (auto& row : rows) {
    s.by_phase[static_cast<size_t>(row.phase)]++;
    if (row.tcp.valid && row.tcp.state < s.by_tcp_state.size()) s.by_tcp_state[row.tcp.state]++;
    if (row.phase == ConnectionPhase::kReading || row.phase == ConnectionPhase::kWriting) {
      // A connection reading only the first bytes of a head has no request yet.
      if (!row.current_request.empty()) s.requests_in_flight++;
    }
    s.connections.push_back(std::move(row));
  }
  if (--g->remaining > 0) return;
  std::sort(s.workers.begin(), s.workers.end(),
            [](const WorkerStatus& a, const WorkerStatus& b) { return a.index < b.index; });
  std::stable_sort(s.connections.begin(), s.connections.end(),
                   [](const ConnectionStatus& a, const ConnectionStatus& b) {
                     return a.age_ms != b.age_ms ? a.age_ms > b.age_ms : a.id < b.id;
                   });
  if (s.connections.size() > g->options.max_rows) s.connections.resize(g->options.max_rows);
  std::sort(s.upstreams.begin(), s.upstreams.end(),
            [](const UpstreamStatus& a, const UpstreamStatus& b) {
              return a.pool != b.pool ? a.pool < b.pool : a.server < b.server;
            });
  auto done = std::move(g->done);
  done(std::move(s));
}

}  // namespace

void collect_server_status(const std::vector<net::EventLoop*>& loops, net::EventLoop* reply_loop,
                           CollectOptions options, std::function<void(ServerStatus)> done) {
  auto g = std::make_shared<Gather>();
  g->done = std::move(done);
  g->options = options;
  g->remaining = loops.size();
  if (loops.empty()) {
    reply_loop->run_in_loop([g] {
      auto done = std::move(g->done);
      done(std::move(g->status));
    });
    return;
  }
  for (size_t i = 0; i < loops.size(); ++i) {
    net::EventLoop* loop = loops[i];
    int index = static_cast<int>(i);
    loop->run_in_loop([g, loop, reply_loop, index, probe = options.upstreams] {
      WorkerStatus worker;
      worker.index = index;
      worker.loop = loop->stats();
      worker.connections = loop->connection_count();
      std::vector<ConnectionStatus> rows;
      rows.reserve(loop->connection_count());
      int64_t now = loop->now_ms();
      loop->for_each_connection(
          [&](net::TcpConnection& c) { rows.push_back(describe_connection(c, index, now)); });
      // Every row counts toward the totals; the table keeps the oldest max_rows of them.
      std::vector<UpstreamStatus> upstreams;
      if (probe) probe(upstreams);
      reply_loop->run_in_loop(
          [g, worker, rows = std::move(rows), upstreams = std::move(upstreams)]() mutable {
            merge(g, worker, std::move(rows), std::move(upstreams));
          });
    });
  }
}

}  // namespace portico::http
