// `portico serve` flags for the status handler, request ids and the slow request log.
#include "server/status_flags.h"

#include <CLI/CLI.hpp>

#include "server/units.h"

namespace portico::server {

void add_status_flags(CLI::App& serve, StatusFlags& f) {
  serve.add_option("--status", f.path,
                   "Serve the status page at PATH (PATH/json, PATH/metrics), e.g. /_portico");
  serve.add_option("--status-allow", f.allow,
                   "Networks allowed to see the status page, CIDR (repeatable; default: loopback)");
  serve.add_option("--slow-request", f.slow_request,
                   "Log requests slower than this with their timing, e.g. 500ms");
  serve.add_option("--request-id-header", f.request_id_header,
                   "Request field a request id is taken from ('' always generates one)");
}

std::string check_request_id_header(std::string_view name) {
  for (char c : name) {
    bool tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!tchar) return "is not a field name (letters, digits and !#$%&'*+-.^_`|~ only)";
  }
  return "";
}

bool apply_status_flags(const StatusFlags& f, std::optional<StatusOptions>* status,
                        http::ServerOptions& server, std::string* error) {
  if (std::string why = check_request_id_header(f.request_id_header); !why.empty()) {
    *error = "--request-id-header '" + f.request_id_header + "' " + why;
    return false;
  }
  server.request_id_header = f.request_id_header;
  if (!f.slow_request.empty()) {
    auto ms = parse_duration_ms(f.slow_request);
    if (!ms || *ms == 0 || *ms > 24ull * 3600 * 1000) {
      *error = "--slow-request '" + f.slow_request + "': expected a duration like 500ms or 2s";
      return false;
    }
    server.slow_request_ms = static_cast<uint32_t>(*ms);
  }
  if (f.path.empty()) {
    if (!f.allow.empty()) {
      *error = "--status-allow needs --status PATH";
      return false;
    }
    status->reset();
    return true;
  }
  StatusOptions o;
  o.path = StatusService::normalize_path(f.path, error);
  if (o.path.empty()) {
    *error = "--status: " + *error;
    return false;
  }
  if (!f.allow.empty()) {
    std::string why;
    auto set = net::NetworkSet::parse(f.allow, &why);
    if (!set) {
      *error = "--status-allow " + why;
      return false;
    }
    o.allow = std::move(*set);
  }
  *status = std::move(o);
  return true;
}

}  // namespace portico::server
