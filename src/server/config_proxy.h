// Internal to the config loader: the `proxy = { ... }` action of a [[site.route]].
#pragma once

#include <optional>

#include "portico/proxy/proxy_options.h"
#include "server/config_reader.h"
#include "server/config_sections.h"

namespace portico::server {

extern const TableSchema kProxySchema;
extern const TableSchema kProxyUpstreamSchema;
extern const TableSchema kProxyHealthSchema;

// Reads route.proxy into options checked with ProxyOptions::validate(); nullopt after recording
// errors (with their file:line:col).
std::optional<proxy::ProxyOptions> load_proxy(TableReader& route, LoadContext& ctx);

}  // namespace portico::server
