// ALPN (RFC 7301): the protocol list in wire format and the server's choice.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::tls {

// Length-prefixed wire format ("\x08http/1.1"). Returns false with *error for an empty list
// or a protocol name that is empty or longer than 255 bytes.
bool encode_alpn(const std::vector<std::string>& protocols, std::string* wire, std::string* error);

// The first protocol of the server's list (wire format) that the client offers (wire format,
// as received). nullopt when there is none or the client's list is malformed. The result
// points into client.
std::optional<std::string_view> select_alpn(std::string_view server, std::string_view client);

}  // namespace portico::tls
