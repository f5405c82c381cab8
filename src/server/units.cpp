// Duration and size parsing shared by the CLI and the config file.
#include "server/units.h"

#include <limits>

namespace portico::server {
namespace {

// Parses leading digits with an optional fraction; returns the rest in `suffix`.
std::optional<double> parse_number(std::string_view text, std::string_view& suffix) {
  size_t i = 0;
  double value = 0;
  bool digits = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    value = value * 10 + (text[i++] - '0');
    digits = true;
  }
  if (i < text.size() && text[i] == '.') {
    double scale = 0.1;
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value += (text[i++] - '0') * scale;
      scale /= 10;
      digits = true;
    }
  }
  if (!digits) return std::nullopt;
  suffix = text.substr(i);
  return value;
}

std::optional<uint64_t> scaled(double value, double unit) {
  double r = value * unit;
  if (r > static_cast<double>(std::numeric_limits<uint64_t>::max() / 2)) return std::nullopt;
  return static_cast<uint64_t>(r + 0.5);
}

}  // namespace

std::optional<uint64_t> parse_duration_ms(std::string_view text) {
  std::string_view suffix;
  auto v = parse_number(text, suffix);
  if (!v) return std::nullopt;
  if (suffix.empty() || suffix == "s") return scaled(*v, 1000);
  if (suffix == "ms") return scaled(*v, 1);
  if (suffix == "m") return scaled(*v, 60'000);
  if (suffix == "h") return scaled(*v, 3'600'000);
  return std::nullopt;
}

std::optional<uint64_t> parse_size_bytes(std::string_view text) {
  std::string_view suffix;
  auto v = parse_number(text, suffix);
  if (!v) return std::nullopt;
  if (suffix.empty() || suffix == "b" || suffix == "B") return scaled(*v, 1);
  char c = suffix[0];
  bool ib = suffix.size() == 3 && (suffix.substr(1) == "iB");
  if (suffix.size() != 1 && !ib) return std::nullopt;
  switch (c) {
    case 'k':
    case 'K': return scaled(*v, 1024.0);
    case 'm':
    case 'M': return scaled(*v, 1024.0 * 1024);
    case 'g':
    case 'G': return scaled(*v, 1024.0 * 1024 * 1024);
    default: return std::nullopt;
  }
}

}  // namespace portico::server
