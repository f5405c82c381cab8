// Internal to the config loader: the [forward_proxy] section (docs/forward-proxy.md).
#pragma once

#include <optional>

#include "portico/proxy/forward_proxy.h"
#include "server/config_reader.h"
#include "server/config_sections.h"

namespace portico::server {

extern const TableSchema kForwardProxySchema;

// Reads [forward_proxy] into options that make_forward_proxy_handler() accepts (networks, host
// patterns and the user file are checked now); nullopt after recording errors with their
// file:line:col.
std::optional<proxy::ForwardProxyOptions> load_forward_proxy(const toml::table& table,
                                                             LoadContext& ctx);

}  // namespace portico::server
