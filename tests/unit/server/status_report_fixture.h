// A StatusReport with every section filled, for the renderer tests.
#pragma once

#include "portico/http/request_metrics.h"
#include "server/status_report.h"

namespace portico::server::testing {

inline StatusReport sample_report() {
  StatusReport r;
  r.version = "0.1.0";
  r.pid = 4242;
  r.now_unix_ms = 1'795'764'600'123;
  r.start_unix_ms = 1'795'764'500'000;
  r.uptime_seconds = 100.123;
  http::RequestMetrics m;
  uint32_t a = m.intern_site("default");
  uint32_t b = m.intern_site("we\"ird\\site\n");
  for (int i = 0; i < 5; ++i) {
    m.record({.site = a,
              .method = http::Method::kGet,
              .code = 200,
              .duration_us = 300,
              .bytes_in = 80,
              .bytes_out = 600});
  }
  m.record({.site = b, .method = http::Method::kOther, .code = 501, .duration_us = 2'000'000});
  r.counts = m.snapshot();
  r.last_minute = {.seconds = 60,
                   .requests = 6,
                   .per_second = 0.1,
                   .p50_us = 300,
                   .p90_us = 310,
                   .p99_us = 2'000'000};
  http::ConnectionStatus c;
  c.id = 7;
  c.peer = *net::InetAddress::parse("127.0.0.1:50000");
  c.local = *net::InetAddress::parse("127.0.0.1:8080");
  c.phase = http::ConnectionPhase::kWriting;
  c.age_ms = 1500;
  c.requests = 3;
  c.current_request = "GET /<script>\"x\" HTTP/1.1";
  c.request_id = "id-1";
  c.tcp.valid = true;
  c.tcp.state = 8;  // CLOSE_WAIT
  c.tcp.rtt_us = 1234;
  c.tcp.snd_cwnd = 10;
  r.server.connections.push_back(c);
  r.server.total_connections = 1;
  r.server.by_phase[static_cast<size_t>(http::ConnectionPhase::kWriting)] = 1;
  r.server.by_tcp_state[8] = 1;
  r.server.requests_in_flight = 1;
  r.server.workers.push_back({.index = 0, .connections = 1});
  r.server.upstreams.push_back({.pool = "api",
                                .server = "10.0.0.1:9000",
                                .up = false,
                                .up_loops = 1,
                                .loops = 2,
                                .active = 4,
                                .picks = 99,
                                .failures = 7});
  r.listeners.push_back(
      {.address = "127.0.0.1:8080", .sockets = 2, .accept_queue = 3, .backlog = 1022});
  return r;
}

}  // namespace portico::server::testing
