// Request ids: one per request, taken from the client (or a proxy in front) when it sent a
// well-formed one, else generated; shown in the access log ($request_id), on the status page
// and passed to upstream servers, so one request can be followed through every log.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace portico::http {

// Longest id accepted from a request field.
inline constexpr size_t kMaxRequestIdBytes = 128;

// 1..kMaxRequestIdBytes characters from [A-Za-z0-9] and - _ . : + / = @ (UUIDs, hex, base64,
// "trace:span" forms). Anything else is refused: an id is written into logs and forwarded, so
// it must not carry spaces, quotes, control bytes or anything that could forge a log line.
bool valid_request_id(std::string_view id);

// A new id: a random per-process prefix, the connection id and the request's index on it
// ("5f0c9a2e-1b-3"), unique within the process and, by the prefix, across restarts.
void generate_request_id(uint64_t connection_id, uint32_t request_index, std::string& out);

}  // namespace portico::http
