// Power of two random choices: two weighted random candidates, the less loaded one wins.
#include "proxy/balance_policies.h"

namespace portico::proxy::detail {

PowerOfTwo::PowerOfTwo(UpstreamSet& set, uint64_t seed) : set_(set), rng_(seed) {
  candidates_.reserve(set.size());
}

size_t PowerOfTwo::draw(uint64_t total_weight, size_t skip) {
  // A uniform point in [0, total_weight) over the candidates' weights, `skip` (an index into
  // candidates_, or npos) left out of the total by the caller.
  uint64_t point = std::uniform_int_distribution<uint64_t>(0, total_weight - 1)(rng_);
  for (size_t k = 0; k < candidates_.size(); ++k) {
    if (k == skip) continue;
    const uint64_t w = set_.server(candidates_[k]).weight;
    if (point < w) return k;
    point -= w;
  }
  return candidates_.size() - 1;  // not reached: the weights sum to total_weight
}

std::optional<size_t> PowerOfTwo::pick(const PickContext& ctx) {
  candidates_.clear();
  uint64_t total = 0;
  for (size_t i = 0; i < set_.size(); ++i) {
    if (!usable(set_, ctx, i)) continue;
    candidates_.push_back(i);
    total += set_.server(i).weight;
  }
  if (candidates_.empty()) return std::nullopt;
  size_t chosen = candidates_[0];
  if (candidates_.size() > 1) {
    const size_t a = draw(total, SIZE_MAX);
    const size_t b = draw(total - set_.server(candidates_[a]).weight, a);
    const size_t x = candidates_[a];
    const size_t y = candidates_[b];
    // Load per weight, compared without division.
    const bool y_lighter = uint64_t{set_.state(y).active} * set_.server(x).weight <
                           uint64_t{set_.state(x).active} * set_.server(y).weight;
    chosen = y_lighter ? y : x;
  }
  set_.count_pick(chosen);
  return chosen;
}

}  // namespace portico::proxy::detail
