// The Prometheus text format 0.0.4: one sample per line, label values escaped (backslash,
// double quote, line feed), HELP text escaped (backslash, line feed).
#include "portico/http/prometheus.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace portico::http {
namespace {

bool name_char(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

bool valid_name(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0, colon)) return false;
  }
  return true;
}

void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

bool PrometheusWriter::valid_metric_name(std::string_view name) { return valid_name(name, true); }

bool PrometheusWriter::valid_label_name(std::string_view name) { return valid_name(name, false); }

std::string PrometheusWriter::format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Plain decimals in the usual range ("0.0005", not "5e-04": bucket bounds are read by
  // people too), shortest round-trip either way.
  double magnitude = std::fabs(value);
  auto format = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15)
                    ? std::chars_format::fixed
                    : std::chars_format::scientific;
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, format);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

void PrometheusWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_escaped(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusWriter::labels(const MetricLabels& labels) {
  if (labels.empty()) return;
  out_ += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out_ += ',';
    first = false;
    out_ += name;
    out_ += "=\"";
    append_escaped(out_, value, true);
    out_ += '"';
  }
  out_ += '}';
}

void PrometheusWriter::sample(std::string_view name, const MetricLabels& l, uint64_t value) {
  out_ += name;
  labels(l);
  out_ += ' ';
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;  // 24 digits always suffice for a uint64_t
  out_.append(buf, end);
  out_ += '\n';
}

void PrometheusWriter::sample(std::string_view name, const MetricLabels& l, double value) {
  out_ += name;
  labels(l);
  out_ += ' ';
  out_ += format_value(value);
  out_ += '\n';
}

}  // namespace portico::http
