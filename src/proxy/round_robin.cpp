// Smooth weighted round-robin and least connections (whose ties are broken by round-robin).
#include "proxy/balance_policies.h"

namespace portico::proxy::detail {

std::optional<size_t> RoundRobin::pick(const PickContext& ctx) {
  const std::optional<size_t> best = pick_among([&](size_t i) { return usable(set_, ctx, i); });
  if (best) set_.count_pick(*best);
  return best;
}

std::optional<size_t> LeastConn::pick(const PickContext& ctx) {
  // Find the lowest active/weight, then take round-robin's choice among the servers at it, so
  // an idle group (all at zero) is still spread by weight rather than always hitting server 0.
  std::optional<size_t> least;
  for (size_t i = 0; i < set_.size(); ++i) {
    if (!usable(set_, ctx, i)) continue;
    if (!least || uint64_t{set_.state(i).active} * set_.server(*least).weight <
                      uint64_t{set_.state(*least).active} * set_.server(i).weight) {
      least = i;
    }
  }
  if (!least) return std::nullopt;
  const uint64_t la = set_.state(*least).active;
  const uint64_t lw = set_.server(*least).weight;
  const std::optional<size_t> best = rr_.pick_among([&](size_t i) {
    return usable(set_, ctx, i) &&
           uint64_t{set_.state(i).active} * lw == la * set_.server(i).weight;
  });
  if (best) set_.count_pick(*best);
  return best;
}

}  // namespace portico::proxy::detail
