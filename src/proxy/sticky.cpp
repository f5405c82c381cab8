// Sticky sessions: a cookie names the server; otherwise (or if it is unusable) a fallback picks.
#include "proxy/balance_policies.h"

namespace portico::proxy::detail {

Sticky::Sticky(UpstreamSet& set, std::unique_ptr<Balancer> fallback)
    : set_(set), fallback_(std::move(fallback)) {
  for (size_t i = 0; i < set.size(); ++i) cookies_.push_back(sticky_cookie_value(set.server(i)));
}

std::optional<size_t> Sticky::pick(const PickContext& ctx) {
  if (!ctx.sticky_cookie.empty()) {
    for (size_t i = 0; i < cookies_.size(); ++i) {
      if (cookies_[i] != ctx.sticky_cookie) continue;
      if (!usable(set_, ctx, i)) break;  // its server is down: the session moves
      set_.count_pick(i);
      return i;
    }
  }
  return fallback_->pick(ctx);
}

}  // namespace portico::proxy::detail
