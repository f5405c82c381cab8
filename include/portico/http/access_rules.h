// AccessRules: ordered allow/deny rules on the client address, first match wins (like nginx's
// allow/deny). Built at config load; evaluated on the request path without allocating.
//
//   std::string err;
//   auto rules = http::AccessRules::parse({"deny 10.0.0.5", "allow 10.0.0.0/8"}, &err);
//   if (!rules->allows(client)) ...  // 403
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "portico/net/cidr.h"

namespace portico::http {

enum class AccessAction : uint8_t { kAllow, kDeny };
std::string_view to_string(AccessAction a);  // "allow", "deny"

struct AccessRule {
  AccessAction action = AccessAction::kAllow;
  // The networks the rule names; "all" is 0.0.0.0/0 and ::/0.
  std::vector<net::Cidr> networks;
  std::string text;  // as written, for messages and the status page
};

class AccessRules {
 public:
  AccessRules() = default;  // no rules: everyone is allowed
  explicit AccessRules(std::vector<AccessRule> rules);

  // Rules as text, one per entry: "allow CIDR", "deny CIDR", "allow all", "deny all". On the
  // first bad entry returns nullopt with *error = "'TEXT': why".
  static std::optional<AccessRules> parse(std::span<const std::string> entries,
                                          std::string* error = nullptr);
  // One rule's networks from one list entry: a CIDR, a bare address, or "all".
  static std::optional<AccessRule> make_rule(AccessAction action, std::string_view networks,
                                             std::string* error = nullptr);

  // The action of the first rule naming the address. When none does, the opposite of the last
  // rule's action: a list of allows admits only those networks, a list of denies refuses only
  // those (and an empty list allows everyone). End with "allow all" / "deny all" to say it.
  AccessAction evaluate(const net::IpAddress& client) const;
  bool allows(const net::IpAddress& client) const {
    return evaluate(client) == AccessAction::kAllow;
  }

  bool empty() const { return rules_.empty(); }
  const std::vector<AccessRule>& rules() const { return rules_; }
  // "deny 10.0.0.5; allow 10.0.0.0/8; (default deny)" for logs and the status page.
  std::string to_string() const;

 private:
  // Consecutive rules with the same action, merged into one set: first-match order between
  // groups is all that matters, and inside a group the lookup is one binary search.
  struct Group {
    AccessAction action;
    net::NetworkSet networks;
  };
  std::vector<AccessRule> rules_;
  std::vector<Group> groups_;
  AccessAction fallback_ = AccessAction::kAllow;
};

}  // namespace portico::http
