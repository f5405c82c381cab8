// A strict parser of the Prometheus text exposition format 0.0.4 for tests, written from the
// format's grammar: it checks what a scraper relies on (names, label syntax and escapes,
// values, HELP/TYPE placement, grouped families, histogram bucket rules) and returns samples.
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace portico::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromFamily {
  std::string name;
  std::string type = "untyped";
  std::string help;
};

struct PromDocument {
  std::vector<PromSample> samples;
  std::map<std::string, PromFamily> families;
  std::string error;  // empty when the text is valid

  // The value of the sample with exactly these labels; nullopt when absent.
  std::optional<double> value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    return std::nullopt;
  }
};

namespace prom_detail {

inline bool name_start(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
inline bool name_char(char c, bool colon) { return name_start(c, colon) || (c >= '0' && c <= '9'); }

// Reads [a-zA-Z_:][a-zA-Z0-9_:]* at pos.
inline std::string read_name(std::string_view line, size_t& pos, bool colon) {
  size_t start = pos;
  if (pos >= line.size() || !name_start(line[pos], colon)) return "";
  while (pos < line.size() && name_char(line[pos], colon)) ++pos;
  return std::string(line.substr(start, pos - start));
}

inline std::optional<double> parse_value(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return NAN;
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
      return std::nullopt;
    }
  }
  std::string s(text);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

// The family a sample belongs to: histogram and summary samples carry suffixes.
inline std::string family_of(const std::string& name,
                             const std::map<std::string, PromFamily>& families) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string_view sv(suffix);
    if (name.size() > sv.size() && name.compare(name.size() - sv.size(), sv.size(), sv) == 0) {
      std::string base = name.substr(0, name.size() - sv.size());
      auto it = families.find(base);
      if (it != families.end() && (it->second.type == "histogram" || it->second.type == "summary"))
        return base;
    }
  }
  return name;
}

}  // namespace prom_detail

inline PromDocument parse_prometheus_text(std::string_view text) {
  using namespace prom_detail;
  PromDocument doc;
  auto fail = [&doc](size_t line_no, const std::string& what) {
    doc.error = "line " + std::to_string(line_no) + ": " + what;
    return doc;
  };
  if (!text.empty() && text.back() != '\n') return fail(0, "text does not end with a line feed");
  std::set<std::string> finished;  // families whose group has ended
  std::string current;             // family of the previous line
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    if (line.find('\r') != std::string_view::npos) return fail(line_no, "carriage return");
    if (line[0] == '#') {
      // "# HELP name text" / "# TYPE name type"; other comments are allowed and ignored.
      size_t pos = 1;
      while (pos < line.size() && line[pos] == ' ') ++pos;
      size_t kw_end = line.find(' ', pos);
      std::string_view keyword =
          line.substr(pos, kw_end == std::string_view::npos ? kw_end : kw_end - pos);
      if (keyword != "HELP" && keyword != "TYPE") continue;
      pos = kw_end + 1;
      std::string name = read_name(line, pos, true);
      if (name.empty()) return fail(line_no, "bad metric name in " + std::string(keyword));
      if (name != current && finished.count(name)) return fail(line_no, "family split: " + name);
      if (name != current && !current.empty()) finished.insert(current);
      current = name;
      PromFamily& fam = doc.families[name];
      fam.name = name;
      std::string_view rest = pos < line.size() ? line.substr(pos + 1) : std::string_view();
      if (pos < line.size() && line[pos] != ' ') return fail(line_no, "junk after name");
      if (keyword == "TYPE") {
        static const std::set<std::string_view> kTypes = {"counter", "gauge", "histogram",
                                                          "summary", "untyped"};
        if (!kTypes.count(rest)) return fail(line_no, "unknown type '" + std::string(rest) + "'");
        for (const auto& s : doc.samples) {
          if (family_of(s.name, doc.families) == name)
            return fail(line_no, "TYPE after samples of " + name);
        }
        fam.type = std::string(rest);
      } else {
        // HELP escapes: \\ and \n only.
        std::string help;
        for (size_t i = 0; i < rest.size(); ++i) {
          if (rest[i] == '\\' && i + 1 < rest.size()) {
            char c = rest[++i];
            if (c == 'n') {
              help += '\n';
            } else if (c == '\\') {
              help += '\\';
            } else {
              help += '\\';
              help += c;
            }
          } else {
            help += rest[i];
          }
        }
        fam.help = help;
      }
      continue;
    }
    PromSample sample;
    size_t pos = 0;
    sample.name = read_name(line, pos, true);
    if (sample.name.empty()) return fail(line_no, "bad metric name");
    if (pos < line.size() && line[pos] == '{') {
      ++pos;
      while (pos < line.size() && line[pos] != '}') {
        std::string label = read_name(line, pos, false);
        if (label.empty()) return fail(line_no, "bad label name");
        if (sample.labels.count(label)) return fail(line_no, "repeated label " + label);
        if (pos + 1 >= line.size() || line[pos] != '=' || line[pos + 1] != '"')
          return fail(line_no, "expected =\" after label " + label);
        pos += 2;
        std::string value;
        bool closed = false;
        while (pos < line.size()) {
          char c = line[pos++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (pos >= line.size()) return fail(line_no, "dangling escape");
            char e = line[pos++];
            if (e == 'n') {
              value += '\n';
            } else if (e == '\\' || e == '"') {
              value += e;
            } else {
              return fail(line_no, std::string("bad escape \\") + e);
            }
          } else {
            value += c;
          }
        }
        if (!closed) return fail(line_no, "unterminated label value");
        sample.labels[label] = value;
        if (pos < line.size() && line[pos] == ',') ++pos;
      }
      if (pos >= line.size()) return fail(line_no, "unterminated label set");
      ++pos;  // '}'
    }
    if (pos >= line.size() || line[pos] != ' ') return fail(line_no, "expected space before value");
    ++pos;
    std::string_view rest = line.substr(pos);
    size_t sp = rest.find(' ');
    std::string_view value_text = rest.substr(0, sp);
    auto value = parse_value(value_text);
    if (!value) return fail(line_no, "bad value '" + std::string(value_text) + "'");
    if (sp != std::string_view::npos) {
      std::string_view ts = rest.substr(sp + 1);
      if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string_view::npos)
        return fail(line_no, "bad timestamp");
    }
    sample.value = *value;
    std::string family = family_of(sample.name, doc.families);
    if (family != current) {
      if (finished.count(family)) return fail(line_no, "family split: " + family);
      if (!current.empty()) finished.insert(current);
      current = family;
    }
    auto fam = doc.families.find(family);
    if (fam != doc.families.end() && fam->second.type == "histogram") {
      if (sample.name == family + "_bucket" && !sample.labels.count("le"))
        return fail(line_no, "histogram bucket without le");
      if (sample.name == family) return fail(line_no, "bare sample of a histogram");
    }
    doc.samples.push_back(std::move(sample));
  }
  // Histogram rules: per label set (without le), buckets cumulative with increasing le, a
  // +Inf bucket equal to _count.
  for (const auto& [name, fam] : doc.families) {
    if (fam.type != "histogram") continue;
    std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> series;
    for (const auto& s : doc.samples) {
      if (s.name != name + "_bucket") continue;
      auto labels = s.labels;
      auto le = parse_value(labels["le"]);
      if (!le) return fail(0, "bad le in " + name);
      labels.erase("le");
      series[labels].push_back({*le, s.value});
    }
    for (const auto& [labels, buckets] : series) {
      for (size_t i = 1; i < buckets.size(); ++i) {
        if (!(buckets[i].first > buckets[i - 1].first))
          return fail(0, name + ": le not increasing");
        if (buckets[i].second < buckets[i - 1].second) return fail(0, name + ": not cumulative");
      }
      if (buckets.empty() || !std::isinf(buckets.back().first))
        return fail(0, name + ": no +Inf bucket");
      auto count = doc.value(name + "_count", labels);
      if (!count || *count != buckets.back().second) return fail(0, name + ": _count != +Inf");
      if (!doc.value(name + "_sum", labels)) return fail(0, name + ": no _sum");
    }
  }
  return doc;
}

}  // namespace portico::testing
