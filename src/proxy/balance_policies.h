// Internal to proxy/: the balancing policies behind make_balancer(), one class per policy.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "portico/proxy/balancer.h"

namespace portico::proxy::detail {

// 64-bit hash of bytes: FNV-1a over the input, then a full-avalanche finalizer (the FNV bits
// alone cluster badly on a ring for keys that differ only at the end, like "server#17").
uint64_t hash64(std::string_view bytes);
uint64_t mix64(uint64_t x);

// Whether server i may be picked for this request.
inline bool usable(const UpstreamSet& set, const PickContext& ctx, size_t i) {
  return set.is_up(i) && std::find(ctx.tried.begin(), ctx.tried.end(), i) == ctx.tried.end();
}

// nginx's smooth weighted round-robin: each pick adds every candidate's weight to its current
// value, takes the largest, and subtracts the candidates' total from it. Weights 5,1,1 give
// a a b a c a a: shares exact over every cycle, with no bursts to the heavy server.
class RoundRobin final : public Balancer {
 public:
  explicit RoundRobin(UpstreamSet& set) : set_(set), current_(set.size(), 0) {}
  std::optional<size_t> pick(const PickContext& ctx) override;
  BalancePolicy policy() const override { return BalancePolicy::kRoundRobin; }

  // One round among the servers for which candidate(i) is true (least-conn's ties).
  template <typename Candidate>
  std::optional<size_t> pick_among(Candidate&& candidate) {
    std::optional<size_t> best;
    int64_t total = 0;
    for (size_t i = 0; i < set_.size(); ++i) {
      if (!candidate(i)) continue;
      const int64_t w = set_.server(i).weight;
      current_[i] += w;
      total += w;
      if (!best || current_[i] > current_[*best]) best = i;
    }
    if (best) current_[*best] -= total;
    return best;
  }

 private:
  UpstreamSet& set_;
  std::vector<int64_t> current_;
};

// Fewest active requests per unit of weight (compared as active_a * weight_b < active_b *
// weight_a, no division); a tie goes round-robin among the tied servers, as nginx does.
class LeastConn final : public Balancer {
 public:
  explicit LeastConn(UpstreamSet& set) : set_(set), rr_(set) {}
  std::optional<size_t> pick(const PickContext& ctx) override;
  BalancePolicy policy() const override { return BalancePolicy::kLeastConn; }

 private:
  UpstreamSet& set_;
  RoundRobin rr_;
};

// The client address hashed onto the weighted servers. When the server it lands on is down,
// the hash is re-mixed (a few times) so each client moves to one stable other server; then
// round-robin.
class IpHash final : public Balancer {
 public:
  explicit IpHash(UpstreamSet& set);
  std::optional<size_t> pick(const PickContext& ctx) override;
  BalancePolicy policy() const override { return BalancePolicy::kIpHash; }

 private:
  size_t server_at(uint64_t point) const;  // weighted: point in [0, total weight)

  UpstreamSet& set_;
  std::vector<uint64_t> cumulative_;  // cumulative_[i] = weights of servers 0..i
  RoundRobin rr_;
};

// A ketama-style ring: each server owns weight * points_per_weight points placed by hashing
// "name#n"; a key goes to the first point at or after its hash, walking on past servers that
// cannot be used. Points depend only on names and weights, so a server that leaves takes only
// its own keys with it.
class ConsistentHash final : public Balancer {
 public:
  ConsistentHash(UpstreamSet& set, uint32_t points_per_weight);
  std::optional<size_t> pick(const PickContext& ctx) override;
  BalancePolicy policy() const override { return BalancePolicy::kConsistentHash; }
  size_t ring_size() const { return ring_.size(); }

 private:
  struct Point {
    uint64_t hash;
    uint32_t server;
  };
  UpstreamSet& set_;
  std::vector<Point> ring_;  // sorted by hash
  RoundRobin rr_;
};

// Power of two choices: two distinct candidates drawn with probability proportional to
// weight; the one with fewer active requests per weight wins (a tie: the first drawn).
class PowerOfTwo final : public Balancer {
 public:
  PowerOfTwo(UpstreamSet& set, uint64_t seed);
  std::optional<size_t> pick(const PickContext& ctx) override;
  BalancePolicy policy() const override { return BalancePolicy::kPowerOfTwo; }

 private:
  size_t draw(uint64_t total_weight, size_t skip);

  UpstreamSet& set_;
  std::mt19937_64 rng_;
  std::vector<size_t> candidates_;  // reused between picks: no allocation per request
};

// The cookie value maps to a server (through sticky_cookie_value of each name); a missing,
// unknown or unusable one leaves the choice to the fallback policy.
class Sticky final : public Balancer {
 public:
  Sticky(UpstreamSet& set, std::unique_ptr<Balancer> fallback);
  std::optional<size_t> pick(const PickContext& ctx) override;
  BalancePolicy policy() const override { return BalancePolicy::kSticky; }

 private:
  UpstreamSet& set_;
  std::unique_ptr<Balancer> fallback_;
  std::vector<std::string> cookies_;  // cookies_[i] names server i
};

}  // namespace portico::proxy::detail
