// Passive and active health state machines and their combination into the set's down flags.
#include "portico/proxy/upstream_health.h"

#include <algorithm>
#include <climits>

#include "portico/base/log.h"

namespace portico::proxy {

// --- passive ------------------------------------------------------------------------------------

PassiveHealth::PassiveHealth(size_t servers, PassiveHealthOptions options)
    : options_(options), servers_(servers) {}

PassiveHealth::State PassiveHealth::state(size_t i, int64_t now_ms) const {
  const Server& s = servers_[i];
  if (s.down_until >= 0 && now_ms < s.down_until) return State::kDown;
  if (s.down_until >= 0) return State::kProbation;
  return State::kHealthy;
}

bool PassiveHealth::record_failure(size_t i, int64_t now_ms) {
  if (options_.max_fails == 0) return false;
  Server& s = servers_[i];
  switch (state(i, now_ms)) {
    case State::kDown: return false;  // a request that was already in flight when it went down
    case State::kProbation:
      // The trial request failed: out again for a whole period.
      s.down_until = now_ms + options_.down_ms;
      s.fails = 0;
      return true;
    case State::kHealthy: break;
  }
  if (s.fails == 0 || now_ms - s.window_start >= options_.fail_window_ms) {
    s.fails = 0;
    s.window_start = now_ms;
  }
  if (++s.fails < options_.max_fails) return false;
  s.fails = 0;
  s.down_until = now_ms + options_.down_ms;
  return true;
}

bool PassiveHealth::record_success(size_t i, int64_t now_ms) {
  Server& s = servers_[i];
  if (state(i, now_ms) != State::kProbation) return false;
  // Failures before the down period do not count against the restored server.
  s = Server{};
  return true;
}

int64_t PassiveHealth::next_recovery_ms(int64_t now_ms) const {
  int64_t next = INT64_MAX;
  for (const Server& s : servers_) {
    if (s.down_until > now_ms) next = std::min(next, s.down_until);
  }
  return next;
}

// --- active -------------------------------------------------------------------------------------

std::string validate_active_check_options(const ActiveCheckOptions& o) {
  if (o.path.empty() || o.path.front() != '/' ||
      std::any_of(o.path.begin(), o.path.end(),
                  [](char c) { return c <= 0x20 || c >= 0x7f || c == '#'; })) {
    return "health check path '" + o.path + "' must be an origin-form path like /healthz";
  }
  if (std::any_of(o.host.begin(), o.host.end(), [](char c) { return c <= 0x20 || c >= 0x7f; })) {
    return "health check host '" + o.host + "' has spaces or control characters";
  }
  if (o.interval_ms == 0) return "health check interval must be positive";
  if (o.timeout_ms == 0) return "health check timeout must be positive";
  if (o.expect_status_min < 100 || o.expect_status_max > 599 ||
      o.expect_status_min > o.expect_status_max) {
    return "health check status range " + std::to_string(o.expect_status_min) + "-" +
           std::to_string(o.expect_status_max) + " is not within 100-599";
  }
  if (o.rise == 0 || o.fall == 0) return "health check rise and fall must be at least 1";
  return {};
}

std::string_view to_string(ProbeOutcome outcome) {
  switch (outcome) {
    case ProbeOutcome::kPass: return "pass";
    case ProbeOutcome::kBadStatus: return "unexpected status";
    case ProbeOutcome::kConnectFailed: return "connect failed";
    case ProbeOutcome::kTimeout: return "timeout";
    case ProbeOutcome::kBadResponse: return "bad response";
  }
  return "unknown";
}

ActiveHealthState::ActiveHealthState(const ActiveCheckOptions& options)
    : rise_(std::max<uint32_t>(options.rise, 1)),
      fall_(std::max<uint32_t>(options.fall, 1)),
      up_(!options.start_down) {}

bool ActiveHealthState::record(ProbeOutcome outcome) {
  last_ = outcome;
  if (outcome == ProbeOutcome::kPass) {
    failures_ = 0;
    ++passes_;
    if (!up_ && passes_ >= rise_) {
      up_ = true;
      return true;
    }
    return false;
  }
  passes_ = 0;
  ++failures_;
  if (up_ && failures_ >= fall_) {
    up_ = false;
    return true;
  }
  return false;
}

// --- combined -------------------------------------------------------------------------------

UpstreamHealth::UpstreamHealth(UpstreamSet& set, PassiveHealthOptions passive,
                               const ActiveCheckOptions* active)
    : set_(set),
      passive_(set.size(), passive),
      admin_down_(set.size(), false),
      failures_total_(set.size(), 0) {
  if (active != nullptr) active_.assign(set.size(), ActiveHealthState(*active));
  for (size_t i = 0; i < set.size(); ++i) apply(i, 0);
}

void UpstreamHealth::apply(size_t i, int64_t now_ms) {
  set_.set_down(i, verdict(i, now_ms).down());
}

HealthVerdict UpstreamHealth::verdict(size_t i, int64_t now_ms) const {
  HealthVerdict v;
  v.admin_down = admin_down_[i];
  v.active_down = !active_.empty() && !active_[i].up();
  v.passive_down = passive_.is_down(i, now_ms);
  return v;
}

void UpstreamHealth::request_failed(size_t i, int64_t now_ms) {
  ++failures_total_[i];
  if (passive_.record_failure(i, now_ms)) {
    LOG_WARN("upstream %s: down for %u ms after %u failed request(s)", set_.server(i).name.c_str(),
             passive_.options().down_ms, std::max<uint32_t>(passive_.options().max_fails, 1));
  }
  apply(i, now_ms);
}

void UpstreamHealth::request_succeeded(size_t i, int64_t now_ms) {
  if (passive_.record_success(i, now_ms)) {
    LOG_INFO("upstream %s: back up (request succeeded after the down period)",
             set_.server(i).name.c_str());
  }
  apply(i, now_ms);
}

void UpstreamHealth::probe_result(size_t i, ProbeOutcome outcome, int64_t now_ms) {
  if (active_.empty()) return;
  ActiveHealthState& a = active_[i];
  if (a.record(outcome)) {
    if (a.up()) {
      LOG_INFO("upstream %s: up after %u passed health check(s)", set_.server(i).name.c_str(),
               a.consecutive_passes());
    } else {
      LOG_WARN("upstream %s: down after %u failed health check(s), last: %s",
               set_.server(i).name.c_str(), a.consecutive_failures(),
               std::string(to_string(outcome)).c_str());
    }
  }
  apply(i, now_ms);
}

void UpstreamHealth::set_admin_down(size_t i, bool down, int64_t now_ms) {
  admin_down_[i] = down;
  apply(i, now_ms);
}

int64_t UpstreamHealth::refresh(int64_t now_ms) {
  for (size_t i = 0; i < set_.size(); ++i) apply(i, now_ms);
  return passive_.next_recovery_ms(now_ms);
}

}  // namespace portico::proxy
