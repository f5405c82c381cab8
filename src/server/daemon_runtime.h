// What serves requests for one config generation: the site router built from the config (with
// its open document roots) and the access log. Built off the event loops, then published.
#pragma once

#include <cstdint>
#include <memory>

#include "portico/http/site_router.h"
#include "server/access_log.h"
#include "server/config.h"

namespace portico::server {

struct Runtime {
  std::shared_ptr<const Config> config;
  http::SiteRouter router;
  std::shared_ptr<AccessLog> access_log;  // null: no access log
  // [forward_proxy]: takes CONNECT and absolute-form requests before the sites; empty: none.
  http::AsyncHandler forward_proxy;
  uint64_t generation = 0;
};

// The site router for a config: opens every document root. Throws std::system_error naming a
// root that cannot be opened (e.g. removed since the config was checked).
http::SiteRouter build_site_router(const Config& config);

// The access log settings of a config; nullopt when it has none.
std::optional<AccessLogOptions> access_log_options(const Config& config);

// Builds a runtime. The access log of `previous` is reused when its settings did not change
// (no reopen, no lost lines); otherwise a new one is opened. Throws like build_site_router and
// AccessLog.
std::shared_ptr<const Runtime> build_runtime(std::shared_ptr<const Config> config,
                                             const Runtime* previous, uint64_t generation);

}  // namespace portico::server
