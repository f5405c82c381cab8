// Access-control keys of [[site]] and [[site.route]] (allow, deny, access_rules, rate_limit,
// rate_burst, rate_key, auth_file, auth_realm) and of [server] (trusted_proxies,
// trusted_proxy_header, max_connections_per_client).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "portico/base/did_you_mean.h"
#include "portico/http/access_rules.h"
#include "portico/http/basic_auth.h"
#include "portico/net/cidr.h"
#include "server/config_sections.h"

namespace portico::server {
namespace {

// The list under `key` with each element's own position (a lone string is a one-element list
// at the key's value). nullopt when absent or of the wrong type (the error is recorded).
std::optional<std::vector<std::pair<std::string, SourcePos>>> positioned_list(
    TableReader& r, std::string_view key) {
  if (!r.has(key)) return std::nullopt;
  auto values = r.string_list(key);
  if (!values) return std::nullopt;
  std::vector<std::pair<std::string, SourcePos>> out;
  const toml::array* items = r.node(key)->as_array();
  for (size_t i = 0; i < values->size(); ++i) {
    out.emplace_back((*values)[i], items ? position_of(*items->get(i)) : r.value_pos(key));
  }
  return out;
}

bool before(SourcePos a, SourcePos b) {
  return a.line < b.line || (a.line == b.line && a.column < b.column);
}

// allow = [...] and deny = [...]: the rules of each list in order, the two lists in the order
// they are written. access_rules = ["deny X", "allow Y"] interleaves them; it excludes the other
// two keys.
void load_rules(TableReader& r, AccessConfig& out) {
  if (r.has("access_rules")) {
    for (std::string_view other : {"allow", "deny"}) {
      if (r.has(other)) {
        r.error(other, "'" + std::string(other) +
                           "' cannot be combined with 'access_rules'; put it in that list as \"" +
                           std::string(other) + " NETWORK\"");
      }
    }
    auto entries = positioned_list(r, "access_rules");
    if (!entries) return;
    if (entries->empty()) {
      r.error("access_rules", "'access_rules' is empty; leave it out to allow everyone");
    }
    for (const auto& [text, pos] : *entries) {
      std::string why;
      std::vector<std::string> one = {text};
      if (!http::AccessRules::parse(one, &why)) {
        r.error_at(pos, "access rule " + why);
        continue;
      }
      out.rules.push_back(text);
    }
    return;
  }
  struct Key {
    std::string_view name;
    http::AccessAction action;
  };
  std::vector<Key> keys;
  for (Key k : {Key{"allow", http::AccessAction::kAllow}, Key{"deny", http::AccessAction::kDeny}}) {
    if (r.has(k.name)) keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end(), [&r](const Key& a, const Key& b) {
    return before(r.value_pos(a.name), r.value_pos(b.name));
  });
  for (const Key& k : keys) {
    auto entries = positioned_list(r, k.name);
    if (!entries) continue;
    if (entries->empty()) {
      r.error(k.name, "'" + std::string(k.name) + "' is empty; leave it out or list networks");
    }
    for (const auto& [text, pos] : *entries) {
      std::string why;
      if (!http::AccessRules::make_rule(k.action, text, &why)) {
        r.error_at(pos, "'" + std::string(k.name) + "' network '" + text + "': " + why);
        continue;
      }
      out.rules.push_back(std::string(http::to_string(k.action)) + " " + text);
    }
  }
}

void load_rate_limit(TableReader& r, AccessConfig& out) {
  if (!r.has("rate_limit")) {
    for (std::string_view k : {"rate_burst", "rate_key"}) {
      if (r.has(k)) r.error(k, "'" + std::string(k) + "' needs 'rate_limit', e.g. \"10/s\"");
    }
    return;
  }
  // Every key is checked even when an earlier one is wrong: one `portico check` shows all.
  http::RateLimit limit;
  bool ok = true;
  std::string why;
  if (auto text = r.string("rate_limit")) {
    if (auto rate = http::Rate::parse(*text, &why)) {
      limit.rate = *rate;
      // By default a full period's worth may come at once: "10/s" allows 10 back to back.
      limit.burst = rate->count;
    } else {
      r.error("rate_limit", "rate_limit '" + *text + "': " + why);
      ok = false;
    }
  } else {
    ok = false;
  }
  if (r.has("rate_burst")) {
    if (auto b = r.integer("rate_burst", 1, http::Rate::kMaxCount)) {
      limit.burst = static_cast<uint32_t>(*b);
    } else {
      ok = false;
    }
  }
  if (auto k = r.string("rate_key")) {
    if (auto key = http::RateKey::parse(*k, &why)) {
      limit.key = *key;
    } else {
      std::string msg = "rate_key '" + *k + "': " + why;
      std::string_view hint = closest_match(*k, {"client", "route"});
      if (!hint.empty()) msg += " (did you mean '" + std::string(hint) + "'?)";
      r.error("rate_key", msg);
      ok = false;
    }
  } else if (r.has("rate_key")) {
    ok = false;
  }
  if (!ok) return;
  out.rate_limit = limit;
}

void load_auth(TableReader& r, LoadContext& ctx, AccessConfig& out) {
  if (!r.has("auth_file")) {
    if (r.has("auth_realm")) r.error("auth_realm", "'auth_realm' needs 'auth_file'");
    return;
  }
  if (auto realm = r.nonempty_string("auth_realm")) {
    if (!http::is_valid_realm(*realm)) {
      r.error("auth_realm", "auth_realm must not contain '\"', '\\' or control characters");
    } else {
      out.auth_realm = *realm;
    }
  }
  auto path = r.path("auth_file", ctx.dir);
  if (!path) return;
  std::string why = check_readable_file(*path);
  if (why.empty()) {
    // The whole file is checked now: a bad line is a config error, not a 500 at request time.
    if (!http::UserFile::load(*path, &why)) why = "invalid: " + why;
  }
  if (!why.empty()) {
    r.error("auth_file", "auth_file '" + r.string("auth_file").value() + "': " + why);
    return;
  }
  out.auth_file = *path;
}

}  // namespace

void load_access(TableReader& r, LoadContext& ctx, AccessConfig& out) {
  load_rules(r, out);
  load_rate_limit(r, out);
  load_auth(r, ctx, out);
}

void load_server_access(TableReader& r, ServerSettings& s) {
  for (const auto& [text, pos] : positioned_list(r, "trusted_proxies")
                                     .value_or(std::vector<std::pair<std::string, SourcePos>>{})) {
    std::string why;
    if (text == "all") {
      r.error_at(pos, "trusted_proxies cannot be 'all': anyone could choose their address");
      continue;
    }
    if (!net::Cidr::parse(text, &why)) {
      r.error_at(pos, "trusted_proxies network '" + text + "': " + why);
      continue;
    }
    s.trusted_proxies.push_back(text);
  }
  if (auto h = r.string("trusted_proxy_header")) {
    if (http::iequals(*h, "X-Forwarded-For")) {
      s.trusted_proxy_header = http::ForwardedField::kXForwardedFor;
    } else if (http::iequals(*h, "Forwarded")) {
      s.trusted_proxy_header = http::ForwardedField::kForwarded;
    } else {
      r.error("trusted_proxy_header",
              "'trusted_proxy_header' must be X-Forwarded-For or Forwarded, not '" + *h + "'");
    }
  }
  if (auto v = r.integer("max_connections_per_client", 0, 1'000'000)) {
    s.max_connections_per_client = static_cast<uint32_t>(*v);
  }
}

}  // namespace portico::server
