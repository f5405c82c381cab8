// Consistent hashing on a ring of virtual nodes (ketama-style) for keys such as path or cookie.
#include <algorithm>
#include <string>

#include "proxy/balance_policies.h"

namespace portico::proxy::detail {

namespace {
// Bounds the ring's memory (16 bytes a point) for large groups with large weights; beyond it
// every server gets proportionally fewer points.
constexpr uint64_t kMaxRingPoints = uint64_t{1} << 20;
}  // namespace

ConsistentHash::ConsistentHash(UpstreamSet& set, uint32_t points_per_weight) : set_(set), rr_(set) {
  const uint64_t per_weight = std::max<uint32_t>(points_per_weight, 1);
  uint64_t total = 0;
  for (size_t i = 0; i < set.size(); ++i) total += set.server(i).weight * per_weight;
  const double scale = total > kMaxRingPoints ? double(kMaxRingPoints) / double(total) : 1.0;
  for (size_t i = 0; i < set.size(); ++i) {
    const auto points = std::max<uint64_t>(
        1, static_cast<uint64_t>(double(set.server(i).weight * per_weight) * scale));
    std::string label = set.server(i).name + "#";
    const size_t base = label.size();
    for (uint64_t n = 0; n < points; ++n) {
      label.resize(base);
      label += std::to_string(n);
      ring_.push_back(Point{hash64(label), static_cast<uint32_t>(i)});
    }
  }
  // Equal hashes (astronomically rare) are ordered by server index so the ring does not depend
  // on the order of construction.
  std::sort(ring_.begin(), ring_.end(), [](const Point& a, const Point& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.server < b.server;
  });
}

std::optional<size_t> ConsistentHash::pick(const PickContext& ctx) {
  if (ring_.empty()) return std::nullopt;
  if (ctx.hash_key.empty()) return rr_.pick(ctx);  // no key, no affinity to keep
  const uint64_t h = hash64(ctx.hash_key);
  auto it = std::lower_bound(ring_.begin(), ring_.end(), h,
                             [](const Point& p, uint64_t v) { return p.hash < v; });
  size_t pos = static_cast<size_t>(it - ring_.begin());
  // Walk clockwise past points of servers that cannot take the request: their keys spill to
  // the next server on the ring, everyone else's stay put.
  for (size_t step = 0; step < ring_.size(); ++step, ++pos) {
    if (pos == ring_.size()) pos = 0;
    const size_t server = ring_[pos].server;
    if (usable(set_, ctx, server)) {
      set_.count_pick(server);
      return server;
    }
  }
  return std::nullopt;
}

}  // namespace portico::proxy::detail
