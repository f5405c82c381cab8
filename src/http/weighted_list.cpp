// Quality values and weighted list members (RFC 9110 12.4.2, 5.6.1).
#include "http/weighted_list.h"

#include "http/char_class.h"
#include "portico/http/headers.h"

namespace portico::http::detail {

namespace {

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

int parse_qvalue(std::string_view s) {
  // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return -1;
  int whole = s[0] - '0';
  if (s.size() == 1) return whole * kMaxWeight;
  if (s[1] != '.' || s.size() > 5) return -1;
  int frac = 0;
  int scale = 100;
  for (size_t i = 2; i < s.size(); ++i) {
    if (!is_digit(s[i])) return -1;
    frac += (s[i] - '0') * scale;
    scale /= 10;
  }
  if (whole == 1 && frac != 0) return -1;
  return whole * kMaxWeight + frac;
}

std::optional<WeightedMember> parse_weighted_member(std::string_view member) {
  WeightedMember out;
  size_t semi = member.find(';');
  out.value = trim_ows(member.substr(0, semi));
  if (out.value.empty()) return std::nullopt;
  if (semi == std::string_view::npos) return out;
  std::string_view param = trim_ows(member.substr(semi + 1));
  if (param.find(';') != std::string_view::npos) return std::nullopt;  // one parameter at most
  size_t eq = param.find('=');
  if (eq == std::string_view::npos || !iequals(trim_ows(param.substr(0, eq)), "q")) {
    return std::nullopt;
  }
  out.weight = parse_qvalue(trim_ows(param.substr(eq + 1)));
  if (out.weight < 0) return std::nullopt;
  return out;
}

}  // namespace portico::http::detail
