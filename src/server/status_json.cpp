// The status report as JSON (schema in docs/status.md; keys are stable, new ones may be added).
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "portico/http/method.h"
#include "server/status_report.h"

namespace portico::server {
namespace {

// A small writer: objects and arrays with commas placed by a nesting stack.
class Json {
 public:
  Json& open(char c) {
    comma();
    out_ += c;
    first_.push_back(true);
    return *this;
  }
  Json& close(char c) {
    out_ += c;
    first_.pop_back();
    return *this;
  }
  Json& key(std::string_view k) {
    comma();
    string(k);
    out_ += ':';
    pending_value_ = true;
    return *this;
  }
  Json& str(std::string_view v) {
    comma();
    string(v);
    return *this;
  }
  Json& num(uint64_t v) {
    comma();
    out_ += std::to_string(v);
    return *this;
  }
  Json& num(int64_t v) {
    comma();
    out_ += std::to_string(v);
    return *this;
  }
  Json& num(double v) {
    comma();
    if (!std::isfinite(v)) v = 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    out_ += buf;
    return *this;
  }
  Json& boolean(bool v) {
    comma();
    out_ += v ? "true" : "false";
    return *this;
  }
  std::string take() { return std::move(out_); }

 private:
  void comma() {
    if (pending_value_) {
      pending_value_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }
  void string(std::string_view s) {
    out_ += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (c < 0x20 || c >= 0x7f) {
            // Bytes from the network (request lines) are not known to be UTF-8: escape them
            // all, so the document is always valid JSON.
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out_ += buf;
          } else {
            out_ += static_cast<char>(c);
          }
      }
    }
    out_ += '"';
  }

  std::string out_;
  std::vector<bool> first_;
  bool pending_value_ = false;
};

std::string iso8601(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

void write_requests(Json& j, const StatusReport& r) {
  const http::RequestCounts& c = r.counts;
  j.key("requests").open('{');
  j.key("total").num(c.total);
  j.key("in_flight").num(static_cast<uint64_t>(r.server.requests_in_flight));
  j.key("last_minute").open('{');
  j.key("seconds").num(r.last_minute.seconds);
  j.key("requests").num(r.last_minute.requests);
  j.key("per_second").num(r.last_minute.per_second);
  j.key("p50_ms").num(r.last_minute.p50_us / 1000);
  j.key("p90_ms").num(r.last_minute.p90_us / 1000);
  j.key("p99_ms").num(r.last_minute.p99_us / 1000);
  j.close('}');
  // By status code and by class, summed over sites and methods.
  std::map<uint16_t, uint64_t> by_code;
  uint64_t by_class[6] = {};
  for (const auto& e : c.requests) {
    by_code[e.code] += e.count;
    by_class[e.code / 100] += e.count;
  }
  j.key("by_status").open('{');
  for (const auto& [code, n] : by_code) j.key(std::to_string(code)).num(n);
  j.close('}');
  j.key("by_class").open('{');
  for (int k = 1; k <= 5; ++k) j.key(std::to_string(k) + "xx").num(by_class[k]);
  j.close('}');
  j.key("by_label").open('[');
  for (const auto& e : c.requests) {
    j.open('{');
    j.key("site").str(e.site < c.site_names.size() ? c.site_names[e.site] : "other");
    j.key("method").str(e.method == http::Method::kOther ? "other" : http::to_string(e.method));
    j.key("code").num(static_cast<uint64_t>(e.code));
    j.key("count").num(e.count);
    j.close('}');
  }
  j.close(']');
  j.close('}');
  j.key("bytes").open('{');
  j.key("in").num(c.bytes_in);
  j.key("out").num(c.bytes_out);
  uint64_t read = 0;
  uint64_t written = 0;
  for (const auto& w : r.server.workers) {
    read += w.loop.bytes_read;
    written += w.loop.bytes_written;
  }
  j.key("socket_in").num(read);
  j.key("socket_out").num(written);
  j.close('}');
}

void write_connections(Json& j, const StatusReport& r) {
  const http::ServerStatus& s = r.server;
  j.key("connections").open('{');
  j.key("total").num(static_cast<uint64_t>(s.total_connections));
  j.key("by_state").open('{');
  for (size_t i = 0; i < http::kConnectionPhases; ++i) {
    j.key(http::to_string(static_cast<http::ConnectionPhase>(i)))
        .num(static_cast<uint64_t>(s.by_phase[i]));
  }
  j.close('}');
  j.key("by_tcp_state").open('{');
  for (size_t i = 1; i < s.by_tcp_state.size(); ++i) {
    if (s.by_tcp_state[i] == 0 && i != 1 && i != 8) continue;  // ESTABLISHED, CLOSE_WAIT always
    j.key(http::tcp_state_name(static_cast<uint8_t>(i)))
        .num(static_cast<uint64_t>(s.by_tcp_state[i]));
  }
  j.close('}');
  j.key("table_truncated").boolean(s.connections.size() < s.total_connections);
  j.key("table").open('[');
  for (const auto& c : s.connections) {
    j.open('{');
    j.key("id").num(c.id);
    j.key("worker").num(static_cast<int64_t>(c.worker));
    j.key("peer").str(c.peer.to_string());
    j.key("local").str(c.local.to_string());
    j.key("tls").boolean(c.secure);
    j.key("state").str(http::to_string(c.phase));
    j.key("age_seconds").num(static_cast<double>(c.age_ms) / 1000);
    j.key("requests").num(static_cast<uint64_t>(c.requests));
    j.key("current_request").str(c.current_request);
    j.key("request_id").str(c.request_id);
    j.key("queued_bytes").num(static_cast<uint64_t>(c.queued_bytes));
    j.key("tcp").open('{');
    j.key("state").str(c.tcp.valid ? http::tcp_state_name(c.tcp.state) : "UNKNOWN");
    j.key("rtt_ms").num(c.tcp.rtt_us / 1000.0);
    j.key("rttvar_ms").num(c.tcp.rttvar_us / 1000.0);
    j.key("retransmits").num(static_cast<uint64_t>(c.tcp.retransmits));
    j.key("total_retrans").num(static_cast<uint64_t>(c.tcp.total_retrans));
    j.key("cwnd").num(static_cast<uint64_t>(c.tcp.snd_cwnd));
    j.key("unacked").num(static_cast<uint64_t>(c.tcp.unacked));
    j.close('}');
    j.close('}');
  }
  j.close(']');
  j.close('}');
}

}  // namespace

std::string status_json(const StatusReport& r) {
  Json j;
  j.open('{');
  j.key("version").str(r.version);
  j.key("pid").num(static_cast<int64_t>(r.pid));
  j.key("time").str(iso8601(r.now_unix_ms));
  j.key("start_time").str(iso8601(r.start_unix_ms));
  j.key("uptime_seconds").num(r.uptime_seconds);
  j.key("config").open('{');
  j.key("generation").num(r.reload.generation);
  j.key("last_reload").open('{');
  j.key("result").str(r.reload.last_result);
  j.key("time").str(r.reload.last_unix_ms ? iso8601(r.reload.last_unix_ms) : "");
  j.key("message").str(r.reload.last_message);
  j.close('}');
  j.close('}');
  write_requests(j, r);
  write_connections(j, r);
  j.key("listeners").open('[');
  for (const auto& l : r.listeners) {
    j.open('{');
    j.key("address").str(l.address);
    j.key("sockets").num(static_cast<int64_t>(l.sockets));
    j.key("accept_queue").num(static_cast<uint64_t>(l.accept_queue));
    j.key("backlog").num(static_cast<uint64_t>(l.backlog));
    j.close('}');
  }
  j.close(']');
  j.key("workers").open('[');
  for (const auto& w : r.server.workers) {
    j.open('{');
    j.key("index").num(static_cast<int64_t>(w.index));
    j.key("connections").num(static_cast<uint64_t>(w.connections));
    j.key("accepted").num(w.loop.accepted);
    j.key("bytes_read").num(w.loop.bytes_read);
    j.key("bytes_written").num(w.loop.bytes_written);
    j.key("loop_iterations").num(w.loop.iterations);
    j.close('}');
  }
  j.close(']');
  j.key("upstreams").open('[');
  for (const auto& u : r.server.upstreams) {
    j.open('{');
    j.key("pool").str(u.pool);
    j.key("server").str(u.server);
    j.key("up").boolean(u.up);
    j.key("up_loops").num(static_cast<uint64_t>(u.up_loops));
    j.key("loops").num(static_cast<uint64_t>(u.loops));
    j.key("active").num(static_cast<uint64_t>(u.active));
    j.key("picks").num(u.picks);
    j.key("failures").num(u.failures);
    j.close('}');
  }
  j.close(']');
  j.close('}');
  std::string out = j.take();
  out += '\n';
  return out;
}

}  // namespace portico::server
