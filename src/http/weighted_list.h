// Internal to http/: the weighted lists of Accept-Encoding and Accept-Language, i.e.
// "#( value [ weight ] )" (RFC 9110 5.6.1 list syntax, 12.4.2 quality values).
#pragma once

#include <optional>
#include <string_view>

namespace portico::http::detail {

// Weights are kept in thousandths: a qvalue has at most three decimals (RFC 9110 12.4.2).
inline constexpr int kMaxWeight = 1000;

// "0", "0.5", "0.125", "1", "1.000" -> 0..1000; anything else (".5", "1.5", "0.1234", "2",
// "0,5", "") -> -1.
int parse_qvalue(std::string_view s);

// One list member: `value` is what precedes the first ';' (OWS trimmed), `weight` the q
// parameter in thousandths (1000 when there is none).
struct WeightedMember {
  std::string_view value;
  int weight = kMaxWeight;
};

// Parses one member. nullopt when it is malformed: an empty value, a parameter other than
// "q" (the name is case-insensitive), more than one parameter, or a bad qvalue. OWS is allowed
// around ';' and, leniently, around '=' (the grammar has none there, but honouring a client's
// "q = 0" is safer than ignoring the exclusion it meant).
std::optional<WeightedMember> parse_weighted_member(std::string_view member);

// Calls visit(const WeightedMember&) for each well-formed member of a comma-separated list, in
// order. Empty members (", ,") are skipped as the list syntax allows; malformed members are
// skipped so that one bad member never discards the rest of the field.
template <typename Visit>
void for_each_weighted_member(std::string_view list, Visit&& visit) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view member = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (auto m = parse_weighted_member(member)) visit(*m);
  }
}

}  // namespace portico::http::detail
