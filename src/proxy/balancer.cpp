// Balancer factory, policy names, the hash shared by the hashing policies, and sticky cookies.
#include "portico/proxy/balancer.h"

#include <random>
#include <stdexcept>

#include "proxy/balance_policies.h"

namespace portico::proxy {

namespace detail {

uint64_t mix64(uint64_t x) {
  // The MurmurHash3 64-bit finalizer: every input bit affects every output bit.
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

uint64_t hash64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis and prime
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

}  // namespace detail

namespace {

struct PolicyName {
  BalancePolicy policy;
  std::string_view name;
};

constexpr PolicyName kPolicyNames[] = {
    {BalancePolicy::kRoundRobin, "round-robin"}, {BalancePolicy::kLeastConn, "least-conn"},
    {BalancePolicy::kIpHash, "ip-hash"},         {BalancePolicy::kConsistentHash, "hash"},
    {BalancePolicy::kPowerOfTwo, "p2c"},         {BalancePolicy::kSticky, "sticky"},
};

}  // namespace

std::optional<BalancePolicy> parse_balance_policy(std::string_view name) {
  for (const PolicyName& p : kPolicyNames) {
    if (p.name == name) return p.policy;
  }
  return std::nullopt;
}

std::string_view to_string(BalancePolicy policy) {
  for (const PolicyName& p : kPolicyNames) {
    if (p.policy == policy) return p.name;
  }
  return "unknown";
}

std::unique_ptr<Balancer> make_balancer(BalancePolicy policy, UpstreamSet& servers,
                                        const BalancerOptions& options) {
  switch (policy) {
    case BalancePolicy::kRoundRobin: return std::make_unique<detail::RoundRobin>(servers);
    case BalancePolicy::kLeastConn: return std::make_unique<detail::LeastConn>(servers);
    case BalancePolicy::kIpHash: return std::make_unique<detail::IpHash>(servers);
    case BalancePolicy::kConsistentHash:
      return std::make_unique<detail::ConsistentHash>(servers, options.ring_points_per_weight);
    case BalancePolicy::kPowerOfTwo: {
      uint64_t seed = options.seed;
      if (seed == 0) seed = (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
      return std::make_unique<detail::PowerOfTwo>(servers, seed);
    }
    case BalancePolicy::kSticky:
      if (options.sticky_fallback == BalancePolicy::kSticky) {
        throw std::invalid_argument("the sticky policy needs a non-sticky fallback policy");
      }
      return std::make_unique<detail::Sticky>(
          servers, make_balancer(options.sticky_fallback, servers, options));
  }
  throw std::invalid_argument("unknown balance policy");
}

std::string sticky_cookie_value(const UpstreamServer& server) {
  // Domain-separated from the ring's hashes so the cookie says nothing about ring positions.
  const uint64_t h = detail::hash64("portico-sticky:" + server.name);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 0; i < 16; ++i) s[static_cast<size_t>(i)] = kHex[(h >> (60 - 4 * i)) & 0xf];
  return s;
}

}  // namespace portico::proxy
