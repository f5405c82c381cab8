// Balancer: chooses the server of an UpstreamSet for each request, by one of six policies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "portico/proxy/upstream_set.h"

namespace portico::proxy {

enum class BalancePolicy : uint8_t {
  kRoundRobin,      // smooth weighted round-robin (nginx's): weights respected, interleaved
  kLeastConn,       // fewest active requests per unit of weight; ties by round-robin
  kIpHash,          // the client address picks the server (weighted); affinity per client
  kConsistentHash,  // a key (path, header, cookie) on a ring with virtual nodes: adding or
                    // removing one of N servers moves about 1/N of the keys
  kPowerOfTwo,      // two servers drawn at random by weight, the less loaded one wins
  kSticky,          // a cookie names the server; without one (or if it is down), the
                    // fallback policy chooses and the proxy sets the cookie
};

// "round-robin", "least-conn", "ip-hash", "hash", "p2c", "sticky" (the CLI and config names).
std::optional<BalancePolicy> parse_balance_policy(std::string_view name);
std::string_view to_string(BalancePolicy policy);

struct BalancerOptions {
  // kConsistentHash: ring points per unit of weight. More points even out the shares (about
  // +-10% at 100) at the cost of memory (16 bytes a point) and a slower rebuild.
  uint32_t ring_points_per_weight = 100;
  // kPowerOfTwo: the random generator's seed (0: seeded from std::random_device). Fixed in tests.
  uint64_t seed = 0;
  // kSticky: who chooses when the cookie does not settle it. Must not be kSticky.
  BalancePolicy sticky_fallback = BalancePolicy::kRoundRobin;
};

// What a policy may look at for one request. Views are only read during pick().
struct PickContext {
  // kIpHash: the client's address, any stable byte form (e.g. InetAddress::host_string()).
  std::string_view client_address;
  // kConsistentHash: the configured key's value. Empty: no affinity, round-robin instead.
  std::string_view hash_key;
  // kSticky: the sticky cookie's value as received; empty when the request has none.
  std::string_view sticky_cookie;
  // Servers already tried for this request (a retry goes to another one).
  std::span<const size_t> tried;
};

// Every policy skips servers that are down and those in `tried`; when none is left pick()
// returns nullopt and the proxy answers 503. A picked server's ServerState::picks is counted.
// A balancer reads its UpstreamSet, which must outlive it. One per set, loop thread only.
class Balancer {
 public:
  virtual ~Balancer() = default;
  virtual std::optional<size_t> pick(const PickContext& context) = 0;
  virtual BalancePolicy policy() const = 0;
};

// Throws std::invalid_argument for a sticky fallback that is itself sticky.
std::unique_ptr<Balancer> make_balancer(BalancePolicy policy, UpstreamSet& servers,
                                        const BalancerOptions& options = {});

// The sticky cookie value that names a server: a digest of its name (so the cookie does not
// reveal internal addresses), 16 lowercase hex digits, stable across restarts and reloads.
std::string sticky_cookie_value(const UpstreamServer& server);

}  // namespace portico::proxy
