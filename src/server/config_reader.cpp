// Typed, error-collecting access to TOML tables, and the file checks the loader makes.
#include "server/config_reader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "portico/base/did_you_mean.h"
#include "server/units.h"

namespace portico::server {
namespace {

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string errno_text(int err) {
  if (err == ENOENT) return "no such file or directory";
  if (err == EACCES) return "permission denied";
  if (err == ENOTDIR) return "a component of the path is not a directory";
  return std::strerror(err);
}

}  // namespace

std::string ConfigError::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

void ConfigErrors::add(SourcePos pos, std::string message) {
  errors_.push_back(ConfigError{file_, pos.line, pos.column, std::move(message)});
}

SourcePos position_of(const toml::node& node) {
  return SourcePos{static_cast<int>(node.source().begin.line),
                   static_cast<int>(node.source().begin.column)};
}

SourcePos position_of(const toml::key& key) {
  return SourcePos{static_cast<int>(key.source().begin.line),
                   static_cast<int>(key.source().begin.column)};
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

TableReader::TableReader(const toml::table& table, const TableSchema& schema, ConfigErrors& errors,
                         const std::vector<const TableSchema*>* all)
    : table_(table), schema_(schema), errors_(errors), all_(all) {}

SourcePos TableReader::value_pos(std::string_view key) const {
  const toml::node* n = table_.get(key);
  return n ? position_of(*n) : pos();
}

void TableReader::error(std::string_view key, std::string message) {
  errors_.add(value_pos(key), std::move(message));
}

bool TableReader::wrong_type(std::string_view key, const toml::node& n, std::string_view wanted) {
  error(key,
        in_quotes(key) + " must be " + std::string(wanted) + ", not " + std::string(type_name(n)));
  return true;
}

std::optional<std::string> TableReader::string(std::string_view key) {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (!n->is_string()) {
    wrong_type(key, *n, "a string");
    return std::nullopt;
  }
  return n->as_string()->get();
}

std::optional<std::string> TableReader::nonempty_string(std::string_view key) {
  auto s = string(key);
  if (s && s->empty()) {
    error(key, in_quotes(key) + " must not be empty");
    return std::nullopt;
  }
  return s;
}

std::optional<int64_t> TableReader::integer(std::string_view key, int64_t min, int64_t max) {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (!n->is_integer()) {
    wrong_type(key, *n, "an integer");
    return std::nullopt;
  }
  int64_t v = n->as_integer()->get();
  if (v < min || v > max) {
    error(key, in_quotes(key) + " must be between " + std::to_string(min) + " and " +
                   std::to_string(max) + ", not " + std::to_string(v));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (!n->is_boolean()) {
    wrong_type(key, *n, "true or false");
    return std::nullopt;
  }
  return n->as_boolean()->get();
}

std::optional<uint64_t> TableReader::duration_ms(std::string_view key, uint64_t max_ms) {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  std::optional<uint64_t> ms;
  std::string shown;
  if (n->is_integer()) {
    int64_t v = n->as_integer()->get();
    if (v >= 0 && static_cast<uint64_t>(v) <= max_ms / 1000) ms = static_cast<uint64_t>(v) * 1000;
    shown = std::to_string(v);
  } else if (n->is_string()) {
    shown = n->as_string()->get();
    ms = parse_duration_ms(shown);
    if (!ms) {
      error(key, in_quotes(key) + ": expected a duration like \"10s\", \"500ms\" or \"2m\", not " +
                     in_quotes(shown));
      return std::nullopt;
    }
  } else {
    wrong_type(key, *n, "a duration (\"10s\") or a number of seconds");
    return std::nullopt;
  }
  if (!ms || *ms > max_ms) {
    error(key, in_quotes(key) + " " + in_quotes(shown) + " is out of range (at most " +
                   std::to_string(max_ms / 1000) + "s)");
    return std::nullopt;
  }
  return ms;
}

std::optional<uint64_t> TableReader::size_bytes(std::string_view key, uint64_t max_bytes) {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  std::optional<uint64_t> bytes;
  std::string shown;
  if (n->is_integer()) {
    int64_t v = n->as_integer()->get();
    if (v >= 0) bytes = static_cast<uint64_t>(v);
    shown = std::to_string(v);
  } else if (n->is_string()) {
    shown = n->as_string()->get();
    bytes = parse_size_bytes(shown);
    if (!bytes) {
      error(key, in_quotes(key) + ": expected a size like \"64k\", \"1m\" or \"2g\", not " +
                     in_quotes(shown));
      return std::nullopt;
    }
  } else {
    wrong_type(key, *n, "a size (\"1m\") or a number of bytes");
    return std::nullopt;
  }
  if (!bytes || *bytes > max_bytes) {
    error(key, in_quotes(key) + " " + in_quotes(shown) + " is out of range (at most " +
                   std::to_string(max_bytes) + " bytes)");
    return std::nullopt;
  }
  return bytes;
}

std::optional<std::vector<std::string>> TableReader::string_list(std::string_view key) {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (n->is_string()) return std::vector<std::string>{n->as_string()->get()};
  if (!n->is_array()) {
    wrong_type(key, *n, "an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  size_t i = 0;
  for (const toml::node& item : *n->as_array()) {
    if (!item.is_string()) {
      errors_.add(position_of(item), in_quotes(std::string(key) + "[" + std::to_string(i) + "]") +
                                         " must be a string, not " + std::string(type_name(item)));
      ok = false;
    } else {
      out.push_back(item.as_string()->get());
    }
    ++i;
  }
  if (!ok) return std::nullopt;
  return out;
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* n = node(key);
  if (!n) return nullptr;
  if (!n->is_table()) {
    wrong_type(key, *n, "a table");
    return nullptr;
  }
  return n->as_table();
}

std::optional<std::string> TableReader::path(std::string_view key, const std::string& dir) {
  auto s = string(key);
  if (!s) return std::nullopt;
  if (s->empty()) {
    error(key, in_quotes(key) + " must not be empty");
    return std::nullopt;
  }
  return resolve_path(dir, *s);
}

void TableReader::finish() {
  for (auto&& [k, v] : table_) {
    std::string_view key = k.str();
    bool known = false;
    for (std::string_view s : schema_.keys) known = known || s == key;
    if (known) continue;
    std::string msg = "unknown key " + in_quotes(key);
    if (!schema_.name.empty()) msg += " in " + std::string(schema_.name);
    std::string_view hint = closest_match(key, schema_.keys);
    if (!hint.empty()) {
      msg += " (did you mean " + in_quotes(hint) + "?)";
    } else if (all_) {
      // A right key in the wrong table: say where it belongs.
      std::string homes;
      for (const TableSchema* t : *all_) {
        if (t == &schema_) continue;
        for (std::string_view s : t->keys) {
          if (s != key) continue;
          if (!homes.empty()) homes += " or ";
          homes += t->name.empty() ? std::string("the top level") : std::string(t->name);
        }
      }
      if (!homes.empty()) msg += " (" + in_quotes(key) + " belongs in " + homes + ")";
    }
    errors_.add(position_of(k), std::move(msg));
  }
}

std::string resolve_path(const std::string& dir, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(dir) / p;
  std::string out = p.lexically_normal().string();
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string check_directory(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_text(errno);
  if (!S_ISDIR(st.st_mode)) return "not a directory";
  if (::access(path.c_str(), R_OK | X_OK) != 0) return errno_text(errno);
  return {};
}

std::string check_readable_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_text(errno);
  if (S_ISDIR(st.st_mode)) return "is a directory, not a file";
  if (::access(path.c_str(), R_OK) != 0) return errno_text(errno);
  return {};
}

std::string check_writable_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return "is a directory, not a file";
    if (::access(path.c_str(), W_OK) != 0) return errno_text(errno);
    return {};
  }
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (folder.empty()) folder = ".";
  std::string why = check_directory(folder);
  if (!why.empty()) return "its folder " + folder + ": " + why;
  if (::access(folder.c_str(), W_OK) != 0) return "its folder " + folder + " is not writable";
  return {};
}

}  // namespace portico::server
