// Everything the status page, its JSON and the metrics endpoint show, gathered at one moment;
// the three renderers read only this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/request_metrics.h"
#include "portico/http/request_window.h"
#include "portico/http/server_status.h"

namespace portico::server {

// One listening address (with SO_REUSEPORT, one socket per worker): the accept queue as the
// kernel reports it in TCP_INFO of a listening socket (tcpi_unacked: connections waiting for
// accept(); tcpi_sacked: the backlog it was given, capped by net.core.somaxconn).
struct ListenerStatus {
  std::string address;
  int sockets = 0;
  uint32_t accept_queue = 0;  // summed over the sockets
  uint32_t backlog = 0;       // summed over the sockets
};

struct ReloadFacts {
  uint64_t generation = 1;           // of the configuration being served
  std::string last_result = "none";  // "none" (never reloaded), "ok", "failed"
  int64_t last_unix_ms = 0;
  std::string last_message;
};

struct StatusReport {
  std::string version;
  int pid = 0;
  int64_t now_unix_ms = 0;
  int64_t start_unix_ms = 0;
  double uptime_seconds = 0;
  ReloadFacts reload;
  http::RequestCounts counts;
  http::WindowStats last_minute;
  http::ServerStatus server;
  std::vector<ListenerStatus> listeners;
};

// The process's listening TCP sockets, grouped by address, read from its own descriptors.
// Walking every descriptor costs a few system calls each (many with 10,000 connections), so
// the listening ones found are remembered: rescan() looks at all, refresh() only at those.
class ListenerScanner {
 public:
  std::vector<ListenerStatus> rescan();
  std::vector<ListenerStatus> refresh();

 private:
  std::vector<int> fds_;
};

// The three views (status_json.cpp, status_page.cpp, status_metrics.cpp).
std::string status_json(const StatusReport& report);
// base_path: where the page is mounted ("/_portico"); the script polls base_path + "/json".
std::string status_html(const StatusReport& report, std::string_view base_path);
std::string status_metrics(const StatusReport& report);

}  // namespace portico::server
