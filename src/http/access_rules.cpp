// AccessRules: parsing of "allow/deny NETWORK" rules and first-match evaluation.
#include "portico/http/access_rules.h"

namespace portico::http {

std::string_view to_string(AccessAction a) { return a == AccessAction::kAllow ? "allow" : "deny"; }

AccessRules::AccessRules(std::vector<AccessRule> rules) : rules_(std::move(rules)) {
  // Built per group in one go: NetworkSet's constructor sorts once, add() would sort per entry.
  std::vector<net::Cidr> pending;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const AccessRule& r = rules_[i];
    pending.insert(pending.end(), r.networks.begin(), r.networks.end());
    if (i + 1 == rules_.size() || rules_[i + 1].action != r.action) {
      groups_.push_back(Group{r.action, net::NetworkSet(pending)});
      pending.clear();
    }
  }
  if (!rules_.empty()) {
    fallback_ =
        rules_.back().action == AccessAction::kAllow ? AccessAction::kDeny : AccessAction::kAllow;
  }
}

std::optional<AccessRule> AccessRules::make_rule(AccessAction action, std::string_view networks,
                                                 std::string* error) {
  AccessRule rule;
  rule.action = action;
  rule.text = std::string(http::to_string(action)) + " " + std::string(networks);
  if (networks == "all") {
    rule.networks = {*net::Cidr::parse("0.0.0.0/0"), *net::Cidr::parse("::/0")};
    return rule;
  }
  std::string why;
  auto c = net::Cidr::parse(networks, &why);
  if (!c) {
    if (error != nullptr) *error = why;
    return std::nullopt;
  }
  rule.networks = {*c};
  return rule;
}

std::optional<AccessRules> AccessRules::parse(std::span<const std::string> entries,
                                              std::string* error) {
  std::vector<AccessRule> rules;
  for (const std::string& e : entries) {
    std::string_view text = e;
    size_t space = text.find(' ');
    std::string_view verb = text.substr(0, space);
    std::string_view rest = space == std::string_view::npos ? "" : text.substr(space + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
    std::optional<AccessRule> rule;
    std::string why;
    if (verb != "allow" && verb != "deny") {
      why = "expected 'allow NETWORK' or 'deny NETWORK'";
    } else if (rest.empty()) {
      why = "missing network (a CIDR, an address or 'all')";
    } else {
      rule = make_rule(verb == "allow" ? AccessAction::kAllow : AccessAction::kDeny, rest, &why);
    }
    if (!rule) {
      if (error != nullptr) *error = "'" + e + "': " + why;
      return std::nullopt;
    }
    rules.push_back(std::move(*rule));
  }
  return AccessRules(std::move(rules));
}

AccessAction AccessRules::evaluate(const net::IpAddress& client) const {
  for (const Group& g : groups_) {
    if (g.networks.contains(client)) return g.action;
  }
  return fallback_;
}

std::string AccessRules::to_string() const {
  std::string out;
  for (const AccessRule& r : rules_) {
    out += r.text;
    out += "; ";
  }
  out += "(default ";
  out += http::to_string(fallback_);
  out += ")";
  return out;
}

}  // namespace portico::http
