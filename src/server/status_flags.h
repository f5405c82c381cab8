// The observability flags of `portico serve` (--status, --status-allow, --slow-request,
// --request-id-header) and their translation into StatusOptions and http::ServerOptions
// (docs/status.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "portico/http/server.h"
#include "server/status_service.h"

namespace CLI {
class App;
}

namespace portico::server {

struct StatusFlags {
  std::string path;                // --status PATH; empty: no status handler
  std::vector<std::string> allow;  // --status-allow CIDR (repeatable); empty: loopback only
  std::string slow_request;        // --slow-request DURATION; empty: no slow request log
  std::string request_id_header = "X-Request-Id";  // --request-id-header NAME; "": generate
};

// Declares the flags on the `serve` subcommand.
void add_status_flags(CLI::App& serve, StatusFlags& flags);

// Checks the flags; fills *status (nullopt when --status is not given) and the request id and
// slow log fields of `server`. On a bad value returns false with one line in *error naming the
// flag and what is wrong.
bool apply_status_flags(const StatusFlags& flags, std::optional<StatusOptions>* status,
                        http::ServerOptions& server, std::string* error);

// A request field name is an RFC 9110 5.1 token; "" when fine, else why not.
std::string check_request_id_header(std::string_view name);

}  // namespace portico::server
