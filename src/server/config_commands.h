// `portico check -c FILE` and `portico run [-c FILE]`: the config-file subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace portico::server {

struct ConfigCommandOptions {
  std::string check_config;                 // check: required
  std::string run_config = "portico.toml";  // run: default in the working directory
};

// Adds the "check" and "run" subcommands.
void add_config_commands(CLI::App& app, ConfigCommandOptions& options);
// Runs the one that was given; nullopt when neither was.
std::optional<int> run_config_commands(const CLI::App& app, const ConfigCommandOptions& options);

// `portico check`: prints every error (FILE:LINE:COL: message) to stderr and returns 2, or a
// one-line summary to stdout and returns 0.
int run_check(const std::string& path);

}  // namespace portico::server
