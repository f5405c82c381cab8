// The check and run subcommands.
#include "server/config_commands.h"

#include <cstdio>
#include <exception>

#include "server/cli.h"
#include "server/config_loader.h"
#include "server/daemon.h"
#include "server/daemon_runtime.h"

namespace portico::server {

void add_config_commands(CLI::App& app, ConfigCommandOptions& o) {
  auto* check = app.add_subcommand("check", "Validate a config file (errors as FILE:LINE:COL)");
  check->add_option("-c,--config", o.check_config, "Config file")->required();
  auto* run = app.add_subcommand("run", "Serve everything a config file describes");
  run->add_option("-c,--config", o.run_config, "Config file (default: portico.toml)");
}

std::optional<int> run_config_commands(const CLI::App& app, const ConfigCommandOptions& o) {
  if (app.got_subcommand("check")) return run_check(o.check_config);
  if (app.got_subcommand("run")) return run_daemon(o.run_config);
  return std::nullopt;
}

int run_check(const std::string& path) {
  LoadResult loaded = load_config(path);
  if (!loaded.ok()) {
    for (const ConfigError& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return kExitUsage;
  }
  const Config& c = *loaded.config;
  try {
    // What `run` would build, short of binding: opens every document root.
    build_site_router(c);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), e.what());
    return kExitUsage;
  }
  size_t routes = 0;
  for (const SiteConfig& s : c.sites) routes += s.routes.size();
  std::printf("%s: ok (%zu listener%s, %zu site%s, %zu route%s)\n", path.c_str(),
              c.listeners.size(), c.listeners.size() == 1 ? "" : "s", c.sites.size(),
              c.sites.size() == 1 ? "" : "s", routes, routes == 1 ? "" : "s");
  return kExitOk;
}

}  // namespace portico::server
