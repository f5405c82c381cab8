// Reading TOML tables for the config loader: typed getters that record precise errors
// (FILE:LINE:COL: message), unknown-key detection with "did you mean" hints, path resolution.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/config.h"

namespace portico::server {

struct ConfigError {
  std::string file;
  int line = 0;  // 0: the error concerns the file as a whole
  int column = 0;
  std::string message;

  // "portico.toml:12:5: unknown key 'listn'" (or "portico.toml: message" without a position).
  std::string to_string() const;
};

// Collects every error of one load; the loader keeps going after an error so that one run of
// `portico check` shows them all.
class ConfigErrors {
 public:
  explicit ConfigErrors(std::string file) : file_(std::move(file)) {}
  void add(SourcePos pos, std::string message);
  bool empty() const { return errors_.empty(); }
  const std::vector<ConfigError>& list() const { return errors_; }
  std::vector<ConfigError> take() { return std::move(errors_); }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

// The keys one kind of table may hold. `name` is how messages refer to it ("[[listen]]",
// "'redirect'"); "" for the top level.
struct TableSchema {
  std::string_view name;
  std::vector<std::string_view> keys;
};

SourcePos position_of(const toml::node& node);
SourcePos position_of(const toml::key& key);
// "string", "integer", "table", ...
std::string_view type_name(const toml::node& node);

// One table being read. Getters return nullopt when the key is absent or wrong (the error is
// recorded); finish() reports keys the schema does not know.
class TableReader {
 public:
  // `all` (may be null) lets an unknown key name the table it belongs in.
  TableReader(const toml::table& table, const TableSchema& schema, ConfigErrors& errors,
              const std::vector<const TableSchema*>* all = nullptr);

  const toml::table& table() const { return table_; }
  SourcePos pos() const { return position_of(table_); }
  bool has(std::string_view key) const { return table_.contains(key); }
  const toml::node* node(std::string_view key) const { return table_.get(key); }
  // Position of the value (or of the table when the key is absent).
  SourcePos value_pos(std::string_view key) const;

  std::optional<std::string> string(std::string_view key);
  // A string that must not be empty.
  std::optional<std::string> nonempty_string(std::string_view key);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max);
  std::optional<bool> boolean(std::string_view key);
  // "10s", "500ms", "2m", "1h", or an integer number of seconds. At most max_ms.
  std::optional<uint64_t> duration_ms(std::string_view key, uint64_t max_ms);
  // "64k", "1m", "2g", or an integer number of bytes. At most max_bytes.
  std::optional<uint64_t> size_bytes(std::string_view key, uint64_t max_bytes);
  // An array of strings (a single string is accepted as a one-element array).
  std::optional<std::vector<std::string>> string_list(std::string_view key);
  // A table, inline or not; nullptr (and an error) for another type.
  const toml::table* table(std::string_view key);
  // A path resolved against dir (absolute kept as is; "" refused).
  std::optional<std::string> path(std::string_view key, const std::string& dir);

  void error(std::string_view key, std::string message);
  void error_at(SourcePos pos, std::string message) { errors_.add(pos, std::move(message)); }
  void finish();

 private:
  bool wrong_type(std::string_view key, const toml::node& n, std::string_view wanted);

  const toml::table& table_;
  const TableSchema& schema_;
  ConfigErrors& errors_;
  const std::vector<const TableSchema*>* all_;
};

// dir + "/" + path unless path is absolute; "." and ".." segments resolved lexically.
std::string resolve_path(const std::string& dir, const std::string& path);

// What is wrong with a path that must name an existing directory / readable file, or "".
// The message starts with the reason ("no such file or directory", "not a directory", ...).
std::string check_directory(const std::string& path);
std::string check_readable_file(const std::string& path);
// A file portico will create or append to: its folder must exist and be writable.
std::string check_writable_file(const std::string& path);

}  // namespace portico::server
