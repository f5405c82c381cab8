// The status page: a complete HTML document rendered on the server (readable without
// JavaScript), plus a small inline script that polls the JSON view and redraws the numbers and
// tables with DOM text nodes (never innerHTML: peers and request lines come from the network).
#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>

#include "portico/http/html_escape.h"
#include "server/status_report.h"

namespace portico::server {
namespace {

using http::append_html_escaped;

std::string fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string duration_text(double seconds) {
  auto s = static_cast<int64_t>(seconds);
  char buf[64];
  if (s >= 86400) {
    std::snprintf(buf, sizeof buf, "%" PRId64 "d %" PRId64 "h %" PRId64 "m", s / 86400,
                  s % 86400 / 3600, s % 3600 / 60);
  } else if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%" PRId64 "h %" PRId64 "m %" PRId64 "s", s / 3600,
                  s % 3600 / 60, s % 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%" PRId64 "m %" PRId64 "s", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%" PRId64 "s", s);
  }
  return buf;
}

std::string bytes_text(uint64_t n) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? std::to_string(n) + " B" : fixed(v, 1) + " " + kUnits[u];
}

// Appends <td>text</td> (escaped), with a class for numeric columns.
void td(std::string& out, std::string_view text, bool numeric = false) {
  out += numeric ? "<td class=n>" : "<td>";
  append_html_escaped(out, text);
  out += "</td>";
}

void stat(std::string& out, std::string_view id, std::string_view label, std::string_view value) {
  out += "<div class=stat><span class=label>";
  out += label;
  out += "</span><span class=value id=\"";
  out += id;
  out += "\">";
  append_html_escaped(out, value);
  out += "</span></div>";
}

constexpr std::string_view kStyle = R"(<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:12px 20px;display:flex;flex-wrap:wrap;gap:6px 24px;align-items:baseline}
header h1{font-size:18px;margin:0 12px 0 0}header span{color:#b8c0cf}header b{color:#fff;font-weight:600}
main{padding:12px 20px;max-width:1400px}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;margin:0 0 14px;padding:10px 14px}
h2{font-size:15px;margin:2px 0 8px}
.stats{display:flex;flex-wrap:wrap;gap:10px 28px}.stat{display:flex;flex-direction:column}
.label{font-size:12px;color:#5b6577}.value{font-size:20px;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eceef2;white-space:nowrap}
th{font-size:12px;color:#5b6577;font-weight:600}td.n,th.n{text-align:right}
td.req{max-width:420px;overflow:hidden;text-overflow:ellipsis}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:14px;margin:0 0 14px}
.grid section{margin:0}.muted{color:#5b6577}.wrap{overflow-x:auto}
</style>)";

// The script: polls JSON_URL every 2 s and redraws; all text goes in through textContent.
constexpr std::string_view kScript = R"JS(<script>
(function () {
  "use strict";
  var url = document.body.getAttribute("data-json");
  function $(id) { return document.getElementById(id); }
  function set(id, v) { var e = $(id); if (e) e.textContent = v; }
  function fixed(v, d) { return Number(v).toFixed(d); }
  function dur(s) {
    s = Math.floor(s);
    if (s >= 86400) return Math.floor(s / 86400) + "d " + Math.floor(s % 86400 / 3600) + "h " + Math.floor(s % 3600 / 60) + "m";
    if (s >= 3600) return Math.floor(s / 3600) + "h " + Math.floor(s % 3600 / 60) + "m " + (s % 60) + "s";
    if (s >= 60) return Math.floor(s / 60) + "m " + (s % 60) + "s";
    return s + "s";
  }
  function bytes(n) {
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < 4) { n /= 1024; i++; }
    return i === 0 ? n + " B" : fixed(n, 1) + " " + u[i];
  }
  function rows(id, list, fill) {
    var body = $(id);
    if (!body) return;
    while (body.firstChild) body.removeChild(body.firstChild);
    list.forEach(function (x) {
      var tr = document.createElement("tr");
      fill(function (text, numeric, cls) {
        var td = document.createElement("td");
        td.textContent = String(text);
        if (numeric) td.className = "n";
        if (cls) td.className = cls;
        tr.appendChild(td);
      }, x);
      body.appendChild(tr);
    });
  }
  function render(d) {
    set("uptime", dur(d.uptime_seconds));
    set("generation", d.config.generation);
    set("reload", d.config.last_reload.result);
    var m = d.requests.last_minute;
    set("rps", fixed(m.per_second, 1));
    set("p50", fixed(m.p50_ms, 2) + " ms");
    set("p90", fixed(m.p90_ms, 2) + " ms");
    set("p99", fixed(m.p99_ms, 2) + " ms");
    set("total", d.requests.total);
    set("inflight", d.requests.in_flight);
    set("bytes-in", bytes(d.bytes.in));
    set("bytes-out", bytes(d.bytes.out));
    set("conn-total", d.connections.total);
    rows("status-codes", Object.keys(d.requests.by_status), function (c, k) {
      c(k); c(d.requests.by_status[k], true);
    });
    rows("conn-states", Object.keys(d.connections.by_state), function (c, k) {
      c(k); c(d.connections.by_state[k], true);
    });
    rows("tcp-states", Object.keys(d.connections.by_tcp_state), function (c, k) {
      c(k); c(d.connections.by_tcp_state[k], true);
    });
    rows("conn-rows", d.connections.table, function (c, x) {
      c(x.id, true); c(x.peer); c(x.tls ? "https" : "http"); c(x.state); c(x.tcp.state);
      c(dur(x.age_seconds), true); c(x.requests, true); c(x.current_request, false, "req");
      c(x.request_id); c(fixed(x.tcp.rtt_ms, 2), true); c(fixed(x.tcp.rttvar_ms, 2), true);
      c(x.tcp.retransmits + "/" + x.tcp.total_retrans, true); c(x.tcp.cwnd, true);
      c(x.tcp.unacked, true); c(x.queued_bytes, true);
    });
    rows("listener-rows", d.listeners, function (c, x) {
      c(x.address); c(x.sockets, true); c(x.accept_queue, true); c(x.backlog, true);
    });
    rows("upstream-rows", d.upstreams, function (c, x) {
      c(x.pool); c(x.server);
      c(x.up ? "up" : "down (" + (x.loops - x.up_loops) + "/" + x.loops + " workers)");
c(x.active, true);
c(x.picks, true);
c(x.failures, true);
});
rows(
    "worker-rows", d.workers, function(c, x) {
      c(x.index, true);
      c(x.connections, true);
      c(x.accepted, true);
      c(bytes(x.bytes_read), true);
      c(bytes(x.bytes_written), true);
    });
set("updated", new Date(d.time).toLocaleTimeString());
}
function tick() {
  fetch(url, {cache : "no-store", credentials : "same-origin"})
      .then(function(r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function(d) {
        render(d);
        document.body.setAttribute("data-updates", String(++updates));
      })
      .catch(function(e) { set("updated", "update failed: " + e.message); })
      .then(function() { setTimeout(tick, 2000); });
}
var updates = 0;
setTimeout(tick, 2000);
})();
</script>)JS";

void table_head(std::string& out, std::initializer_list<std::string_view> columns,
                std::string_view body_id) {
  out += "<table><thead><tr>";
  for (std::string_view c : columns) {
    bool numeric = !c.empty() && c.front() == '#';
    out += numeric ? "<th class=n>" : "<th>";
    out += numeric ? c.substr(1) : c;
    out += "</th>";
  }
  out += "</tr></thead><tbody id=\"";
  out += body_id;
  out += "\">";
}

}  // namespace

std::string status_html(const StatusReport& r, std::string_view base_path) {
  std::string out;
  out.reserve(16 * 1024 + r.server.connections.size() * 300);
  out +=
      "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
      "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
      "<title>portico status</title><link rel=icon href=\"data:,\">"
      // Without JavaScript the page reloads itself instead of polling.
      "<noscript><meta http-equiv=refresh content=5></noscript>";
  out += kStyle;
  out += "</head>\n<body data-json=\"";
  append_html_escaped(out, base_path);
  out += "/json\" data-updates=0>\n<header><h1>portico</h1>";
  out += "<span>version <b id=version>";
  append_html_escaped(out, r.version);
  out += "</b></span><span>pid <b>" + std::to_string(r.pid) + "</b></span>";
  out += "<span>up <b id=uptime>" + duration_text(r.uptime_seconds) + "</b></span>";
  out += "<span>config generation <b id=generation>" + std::to_string(r.reload.generation) +
         "</b></span><span>last reload <b id=reload>";
  append_html_escaped(out, r.reload.last_result);
  out += "</b></span><span>updated <b id=updated>now</b></span></header>\n<main>\n";

  // Requests.
  const http::RequestCounts& c = r.counts;
  out += "<section><h2>Requests</h2><div class=stats>";
  stat(out, "rps", "req/s (last minute)", fixed(r.last_minute.per_second, 1));
  stat(out, "p50", "p50", fixed(r.last_minute.p50_us / 1000, 2) + " ms");
  stat(out, "p90", "p90", fixed(r.last_minute.p90_us / 1000, 2) + " ms");
  stat(out, "p99", "p99", fixed(r.last_minute.p99_us / 1000, 2) + " ms");
  stat(out, "total", "total", std::to_string(c.total));
  stat(out, "inflight", "in flight", std::to_string(r.server.requests_in_flight));
  stat(out, "bytes-in", "received", bytes_text(c.bytes_in));
  stat(out, "bytes-out", "sent", bytes_text(c.bytes_out));
  stat(out, "conn-total", "connections", std::to_string(r.server.total_connections));
  out += "</div></section>\n<div class=grid>";

  std::map<uint16_t, uint64_t> by_code;
  for (const auto& e : c.requests) by_code[e.code] += e.count;
  out += "<section><h2>Status codes</h2>";
  table_head(out, {"code", "#requests"}, "status-codes");
  for (const auto& [code, n] : by_code) {
    out += "<tr>";
    td(out, std::to_string(code));
    td(out, std::to_string(n), true);
    out += "</tr>";
  }
  out += "</tbody></table></section>";

  out += "<section><h2>Connections by state</h2>";
  table_head(out, {"state", "#connections"}, "conn-states");
  for (size_t i = 0; i < http::kConnectionPhases; ++i) {
    out += "<tr>";
    td(out, http::to_string(static_cast<http::ConnectionPhase>(i)));
    td(out, std::to_string(r.server.by_phase[i]), true);
    out += "</tr>";
  }
  out += "</tbody></table></section>";

  out += "<section><h2>TCP states</h2>";
  table_head(out, {"state", "#connections"}, "tcp-states");
  for (size_t i = 1; i < r.server.by_tcp_state.size(); ++i) {
    if (r.server.by_tcp_state[i] == 0 && i != 1 && i != 8) continue;
    out += "<tr>";
    td(out, http::tcp_state_name(static_cast<uint8_t>(i)));
    td(out, std::to_string(r.server.by_tcp_state[i]), true);
    out += "</tr>";
  }
  out += "</tbody></table></section></div>\n";

  out += "<section><h2>Connections</h2><div class=wrap>";
  table_head(out,
             {"#id", "peer", "scheme", "state", "tcp", "#age", "#requests", "current request",
              "request id", "#rtt ms", "#rttvar ms", "#retrans", "#cwnd", "#unacked", "#queued"},
             "conn-rows");
  for (const auto& row : r.server.connections) {
    out += "<tr>";
    td(out, std::to_string(row.id), true);
    td(out, row.peer.to_string());
    td(out, row.secure ? "https" : "http");
    td(out, http::to_string(row.phase));
    td(out, row.tcp.valid ? http::tcp_state_name(row.tcp.state) : "UNKNOWN");
    td(out, duration_text(static_cast<double>(row.age_ms) / 1000), true);
    td(out, std::to_string(row.requests), true);
    out += "<td class=req>";
    append_html_escaped(out, row.current_request);
    out += "</td>";
    td(out, row.request_id);
    td(out, fixed(row.tcp.rtt_us / 1000.0, 2), true);
    td(out, fixed(row.tcp.rttvar_us / 1000.0, 2), true);
    td(out, std::to_string(row.tcp.retransmits) + "/" + std::to_string(row.tcp.total_retrans),
       true);
    td(out, std::to_string(row.tcp.snd_cwnd), true);
    td(out, std::to_string(row.tcp.unacked), true);
    td(out, std::to_string(row.queued_bytes), true);
    out += "</tr>";
  }
  out += "</tbody></table></div>";
  if (r.server.connections.size() < r.server.total_connections) {
    out += "<p class=muted>Showing the " + std::to_string(r.server.connections.size()) +
           " oldest of " + std::to_string(r.server.total_connections) + " connections.</p>";
  }
  out += "</section>\n<div class=grid>";

  out += "<section><h2>Listeners</h2>";
  table_head(out, {"address", "#sockets", "#accept queue", "#backlog"}, "listener-rows");
  for (const auto& l : r.listeners) {
    out += "<tr>";
    td(out, l.address);
    td(out, std::to_string(l.sockets), true);
    td(out, std::to_string(l.accept_queue), true);
    td(out, std::to_string(l.backlog), true);
    out += "</tr>";
  }
  out += "</tbody></table></section>";

  out += "<section><h2>Workers</h2>";
  table_head(out, {"#worker", "#connections", "#accepted", "#read", "#written"}, "worker-rows");
  for (const auto& w : r.server.workers) {
    out += "<tr>";
    td(out, std::to_string(w.index), true);
    td(out, std::to_string(w.connections), true);
    td(out, std::to_string(w.loop.accepted), true);
    td(out, bytes_text(w.loop.bytes_read), true);
    td(out, bytes_text(w.loop.bytes_written), true);
    out += "</tr>";
  }
  out += "</tbody></table></section>";
  out += "<section><h2>Upstreams</h2>";
  if (r.server.upstreams.empty()) {
    out += "<p class=muted>No upstream pools configured.</p>";
  } else {
    table_head(out, {"pool", "server", "health", "#active", "#picks", "#failures"},
               "upstream-rows");
    for (const auto& u : r.server.upstreams) {
      out += "<tr>";
      td(out, u.pool);
      td(out, u.server);
      td(out, u.up ? "up"
                   : "down (" + std::to_string(u.loops - u.up_loops) + "/" +
                         std::to_string(u.loops) + " workers)");
      td(out, std::to_string(u.active), true);
      td(out, std::to_string(u.picks), true);
      td(out, std::to_string(u.failures), true);
      out += "</tr>";
    }
    out += "</tbody></table>";
  }
  out += "</section>";
  out += "</div>\n</main>\n";
  out += kScript;
  out += "\n</body></html>\n";
  return out;
}

}  // namespace portico::server
