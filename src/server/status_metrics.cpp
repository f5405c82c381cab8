// The status report in the Prometheus text format 0.0.4 (metric names in docs/status.md).
#include <string>

#include "portico/http/method.h"
#include "portico/http/prometheus.h"
#include "server/status_report.h"

namespace portico::server {
namespace {

using http::MetricLabels;
using http::PrometheusWriter;

void write_requests(PrometheusWriter& w, const StatusReport& r) {
  const http::RequestCounts& c = r.counts;
  w.family("portico_http_requests_total", "counter",
           "HTTP requests answered, by status code, method and site.");
  for (const auto& e : c.requests) {
    std::string code = std::to_string(e.code);
    std::string_view method =
        e.method == http::Method::kOther ? "other" : http::to_string(e.method);
    std::string_view site =
        e.site < c.site_names.size() ? std::string_view(c.site_names[e.site]) : "other";
    w.sample("portico_http_requests_total", {{"code", code}, {"method", method}, {"site", site}},
             e.count);
  }
  w.family("portico_http_request_duration_seconds", "histogram",
           "Time from a request's complete head to its complete response.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < http::kDurationBucketsSeconds.size(); ++i) {
    cumulative += c.duration_buckets[i];
    std::string le = PrometheusWriter::format_value(http::kDurationBucketsSeconds[i]);
    w.sample("portico_http_request_duration_seconds_bucket", {{"le", le}}, cumulative);
  }
  cumulative += c.duration_buckets.back();
  w.sample("portico_http_request_duration_seconds_bucket", {{"le", "+Inf"}}, cumulative);
  w.sample("portico_http_request_duration_seconds_sum", {},
           static_cast<double>(c.duration_sum_us) / 1e6);
  w.sample("portico_http_request_duration_seconds_count", {}, cumulative);
  w.family("portico_http_requests_in_flight", "gauge",
           "Requests being read or answered at the time of the scrape.");
  w.sample("portico_http_requests_in_flight", {},
           static_cast<uint64_t>(r.server.requests_in_flight));
  w.family("portico_http_received_bytes_total", "counter",
           "Bytes of request heads and bodies received.");
  w.sample("portico_http_received_bytes_total", {}, c.bytes_in);
  w.family("portico_http_sent_bytes_total", "counter", "Bytes of response bodies sent.");
  w.sample("portico_http_sent_bytes_total", {}, c.bytes_out);
}

void write_connections(PrometheusWriter& w, const StatusReport& r) {
  const http::ServerStatus& s = r.server;
  w.family("portico_connections", "gauge", "Open client connections by what they are doing.");
  for (size_t i = 0; i < http::kConnectionPhases; ++i) {
    w.sample("portico_connections",
             {{"state", http::to_string(static_cast<http::ConnectionPhase>(i))}},
             static_cast<uint64_t>(s.by_phase[i]));
  }
  w.family("portico_tcp_connections", "gauge",
           "Open client connections by kernel TCP state (TCP_INFO).");
  for (size_t i = 1; i < s.by_tcp_state.size(); ++i) {
    if (s.by_tcp_state[i] == 0 && i != 1 && i != 8) continue;  // ESTABLISHED, CLOSE_WAIT always
    w.sample("portico_tcp_connections", {{"state", http::tcp_state_name(static_cast<uint8_t>(i))}},
             static_cast<uint64_t>(s.by_tcp_state[i]));
  }
  uint64_t accepted = 0;
  uint64_t read = 0;
  uint64_t written = 0;
  for (const auto& wk : s.workers) {
    accepted += wk.loop.accepted;
    read += wk.loop.bytes_read;
    written += wk.loop.bytes_written;
  }
  w.family("portico_connections_accepted_total", "counter", "Client connections accepted.");
  w.sample("portico_connections_accepted_total", {}, accepted);
  w.family("portico_network_received_bytes_total", "counter",
           "Bytes read from client sockets (after TLS decryption).");
  w.sample("portico_network_received_bytes_total", {}, read);
  w.family("portico_network_sent_bytes_total", "counter",
           "Bytes written to client sockets (before TLS encryption).");
  w.sample("portico_network_sent_bytes_total", {}, written);
  w.family("portico_listener_accept_queue", "gauge",
           "Connections waiting in the listen backlog for accept().");
  for (const auto& l : r.listeners) {
    w.sample("portico_listener_accept_queue", {{"listener", l.address}},
             static_cast<uint64_t>(l.accept_queue));
  }
  w.family("portico_listener_backlog", "gauge", "Configured listen backlog (summed over sockets).");
  for (const auto& l : r.listeners) {
    w.sample("portico_listener_backlog", {{"listener", l.address}},
             static_cast<uint64_t>(l.backlog));
  }
}

void write_upstreams(PrometheusWriter& w, const StatusReport& r) {
  const auto& ups = r.server.upstreams;
  if (ups.empty()) return;
  w.family("portico_upstream_up", "gauge",
           "1 if every worker considers the upstream server up (health checks), else 0.");
  for (const auto& u : ups) {
    w.sample("portico_upstream_up", {{"pool", u.pool}, {"server", u.server}},
             uint64_t{u.up ? 1u : 0u});
  }
  w.family("portico_upstream_active_requests", "gauge", "Requests in progress on the server.");
  for (const auto& u : ups) {
    w.sample("portico_upstream_active_requests", {{"pool", u.pool}, {"server", u.server}},
             static_cast<uint64_t>(u.active));
  }
  w.family("portico_upstream_picks_total", "counter", "Times the balancer chose the server.");
  for (const auto& u : ups) {
    w.sample("portico_upstream_picks_total", {{"pool", u.pool}, {"server", u.server}}, u.picks);
  }
  w.family("portico_upstream_failures_total", "counter",
           "Failed attempts to get a response from the server.");
  for (const auto& u : ups) {
    w.sample("portico_upstream_failures_total", {{"pool", u.pool}, {"server", u.server}},
             u.failures);
  }
}

}  // namespace

std::string status_metrics(const StatusReport& r) {
  PrometheusWriter w;
  w.family("portico_build_info", "gauge", "Always 1; the version is a label.");
  w.sample("portico_build_info", {{"version", r.version}}, uint64_t{1});
  w.family("portico_start_time_seconds", "gauge", "Start time of the process, Unix seconds.");
  w.sample("portico_start_time_seconds", {}, static_cast<double>(r.start_unix_ms) / 1000);
  w.family("portico_uptime_seconds", "gauge", "Seconds since the process started.");
  w.sample("portico_uptime_seconds", {}, r.uptime_seconds);
  w.family("portico_config_generation", "gauge", "Generation of the configuration served.");
  w.sample("portico_config_generation", {}, r.reload.generation);
  w.family("portico_config_last_reload_success", "gauge",
           "1 if the last reload succeeded or there was none, 0 if it failed.");
  w.sample("portico_config_last_reload_success", {},
           uint64_t{r.reload.last_result == "failed" ? 0u : 1u});
  write_requests(w, r);
  write_connections(w, r);
  write_upstreams(w, r);
  return w.take();
}

}  // namespace portico::server
