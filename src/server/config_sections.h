// Internal to the config loader: the table schemas and the loaders for [[listen]] and [[site]].
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "server/config.h"
#include "server/config_reader.h"

namespace portico::server {

struct LoadContext {
  ConfigErrors& errors;
  std::string dir;                                           // the config file's folder, absolute
  const std::vector<const TableSchema*>* schemas = nullptr;  // every table, for key hints
  const Config* config = nullptr;  // settings read so far ([limits] before sites)
};

extern const TableSchema kListenSchema;
extern const TableSchema kTlsSchema;
extern const TableSchema kSiteSchema;
extern const TableSchema kRouteSchema;
extern const TableSchema kRedirectSchema;
extern const TableSchema kRespondSchema;
extern const TableSchema kHstsSchema;
extern const TableSchema kStatusSchema;

// `node` is the value of the top-level "listen" key.
void load_listeners(const toml::node& node, LoadContext& ctx, std::vector<ListenerConfig>& out);
// The [status] table (config_status.cpp).
void load_status(const toml::table& table, LoadContext& ctx, StatusSettings& out);
// `node` is the value of the top-level "site" key.
void load_sites(const toml::node& node, LoadContext& ctx, std::vector<SiteConfig>& out);

// The access-control keys of a [[site]] or [[site.route]] table (config_access.cpp).
void load_access(TableReader& r, LoadContext& ctx, AccessConfig& out);
// trusted_proxies, trusted_proxy_header, max_connections_per_client of [server].
void load_server_access(TableReader& r, ServerSettings& s);

// Field names and values a config may put in responses (RFC 9110 5.1, 5.5). "" when fine.
std::string check_field_name(std::string_view name);
std::string check_field_value(std::string_view value);

// The elements of an array-of-tables value ([[site]]), with an error for anything else.
std::vector<const toml::table*> tables_of(const toml::node& node, std::string_view key,
                                          ConfigErrors& errors);

}  // namespace portico::server
