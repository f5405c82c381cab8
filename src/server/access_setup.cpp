// Config -> access-control objects (see access_setup.h).
#include "server/access_setup.h"

#include <stdexcept>
#include <string>

namespace portico::server {

http::AccessPolicy build_access_policy(const AccessConfig& config) {
  http::AccessPolicy policy;
  std::string why;
  auto rules = http::AccessRules::parse(config.rules, &why);
  if (!rules) throw std::invalid_argument("access rule " + why);
  policy.rules = std::move(*rules);
  if (config.rate_limit)
    policy.rate_limit = std::make_shared<http::RateLimiter>(*config.rate_limit);
  if (!config.auth_file.empty()) {
    auto auth = http::BasicAuth::load(config.auth_file, config.auth_realm, &why);
    if (!auth) throw std::runtime_error("auth_file: " + why);
    policy.auth = std::make_shared<const http::BasicAuth>(std::move(*auth));
  }
  return policy;
}

http::TrustedProxies build_trusted_proxies(const std::vector<std::string>& networks,
                                           http::ForwardedField field) {
  std::string why;
  auto set = net::NetworkSet::parse(networks, &why);
  if (!set) throw std::invalid_argument("trusted proxy " + why);
  return http::TrustedProxies{std::move(*set), field};
}

namespace {

AccessLimitInfo describe(std::string site, std::string route, const http::AccessPolicy& p) {
  AccessLimitInfo info;
  info.site = std::move(site);
  info.route = std::move(route);
  if (!p.rules.empty()) info.rules = p.rules.to_string();
  if (p.rate_limit) {
    const http::RateLimit& l = p.rate_limit->limit();
    info.rate =
        l.rate.to_string() + " burst " + std::to_string(l.burst) + " per " + l.key.to_string();
    info.rate_rejected = p.rate_limit->rejected();
  }
  if (p.auth) info.auth_realm = p.auth->realm();
  return info;
}

}  // namespace

std::vector<AccessLimitInfo> describe_access(const http::SiteRouter& router) {
  std::vector<AccessLimitInfo> out;
  for (size_t i = 0; i < router.site_count(); ++i) {
    const http::Site& site = router.site(i);
    std::string name = site.hosts.empty() ? "(default)" : site.hosts.front();
    if (!site.access.empty()) out.push_back(describe(name, "", site.access));
    for (const http::Route& r : site.routes) {
      if (!r.access.empty()) out.push_back(describe(name, r.path, r.access));
    }
  }
  return out;
}

void write_access_log(const AccessLog& log, const http::AccessLogEntry& entry,
                      const http::TrustedProxies& trusted) {
  if (trusted.networks.empty() || entry.request == nullptr || entry.peer == nullptr) {
    log.write(entry);
    return;
  }
  const net::IpAddress client = http::client_address(*entry.request, trusted);
  if (client == net::IpAddress::from(*entry.peer)) {
    log.write(entry);
    return;
  }
  const net::InetAddress effective = client.to_inet_address(0);
  http::AccessLogEntry copy = entry;
  copy.peer = &effective;
  log.write(copy);
}

}  // namespace portico::server
