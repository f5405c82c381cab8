// IP hash: the client address chooses a server by weight, re-mixed past servers that are down.
#include <algorithm>

#include "proxy/balance_policies.h"

namespace portico::proxy::detail {

namespace {
// Re-mixes tried before giving up on affinity (nginx tries 20 times too).
constexpr int kRehashes = 20;
}  // namespace

IpHash::IpHash(UpstreamSet& set) : set_(set), rr_(set) {
  uint64_t total = 0;
  for (size_t i = 0; i < set.size(); ++i) {
    total += set.server(i).weight;
    cumulative_.push_back(total);
  }
}

size_t IpHash::server_at(uint64_t point) const {
  // The first server whose cumulative weight exceeds the point.
  return static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), point) -
                             cumulative_.begin());
}

std::optional<size_t> IpHash::pick(const PickContext& ctx) {
  if (cumulative_.empty()) return std::nullopt;
  const uint64_t total = cumulative_.back();
  // Points are placed over all servers, up or not, so that one server going down does not
  // move the clients of the others.
  uint64_t h = hash64(ctx.client_address);
  for (int attempt = 0; attempt <= kRehashes; ++attempt) {
    const size_t i = server_at(h % total);
    if (usable(set_, ctx, i)) {
      set_.count_pick(i);
      return i;
    }
    h = mix64(h + static_cast<uint64_t>(attempt) + 1);
  }
  return rr_.pick(ctx);
}

}  // namespace portico::proxy::detail
