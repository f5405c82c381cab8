// Loading portico.toml: parse, validate every key, and produce an immutable Config snapshot or
// the complete list of errors, each with its file position.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/config.h"
#include "server/config_reader.h"

namespace portico::server {

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when there are errors
  std::vector<ConfigError> errors;       // in file order
  bool ok() const { return config != nullptr; }
};

// Reads and validates the file. Never throws for bad input: every problem is an error entry
// (unknown keys, wrong types, bad values and addresses, missing files and folders, duplicate
// listeners and hosts, conflicting routes). Relative paths inside are resolved against the
// file's folder.
LoadResult load_config(const std::string& path);

// The same for text already in memory; `path` names it in messages and gives the folder.
LoadResult load_config_text(std::string_view text, const std::string& path);

}  // namespace portico::server
