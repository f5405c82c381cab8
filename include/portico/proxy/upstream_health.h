// Upstream health: passive (failures of proxied requests) and active (probe results) state
// machines, combined into each server's up/down flag in its UpstreamSet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "portico/proxy/upstream_set.h"

namespace portico::proxy {

// Passive checks, as nginx's max_fails / fail_timeout: `max_fails` failed requests within
// `fail_window_ms` take a server out for `down_ms`; then it is on probation, and the first
// result decides (a success restores it, a failure takes it out again at once).
struct PassiveHealthOptions {
  uint32_t max_fails = 1;  // 0 turns passive checks off
  uint32_t fail_window_ms = 10'000;
  uint32_t down_ms = 10'000;
};

// Per-server passive state. Time is passed in (loop clock milliseconds), so the machine is
// deterministic and needs no timers of its own.
class PassiveHealth {
 public:
  enum class State : uint8_t { kHealthy, kDown, kProbation };

  PassiveHealth(size_t servers, PassiveHealthOptions options);

  // A proxied request to server i failed (the connection was refused, reset or timed out, or
  // the upstream sent no valid response). Returns true when this failure took it down.
  bool record_failure(size_t i, int64_t now_ms);
  // A proxied request to server i got a response. Returns true when this ended probation.
  bool record_success(size_t i, int64_t now_ms);

  State state(size_t i, int64_t now_ms) const;
  bool is_down(size_t i, int64_t now_ms) const { return state(i, now_ms) == State::kDown; }
  // When the earliest current down period ends (INT64_MAX: none), for the owner's timer.
  int64_t next_recovery_ms(int64_t now_ms) const;
  const PassiveHealthOptions& options() const { return options_; }

 private:
  struct Server {
    uint32_t fails = 0;        // failures in the current window
    int64_t window_start = 0;  // time of the window's first failure
    // >= 0 from going down until the first result after the down period: later than now
    // while down, then on probation.
    int64_t down_until = -1;
  };
  PassiveHealthOptions options_;
  std::vector<Server> servers_;
};

// Active checks: an HTTP GET on an interval; `rise` passes in a row bring a server up, `fall`
// failures in a row take it down (HAProxy's terms).
struct ActiveCheckOptions {
  std::string path = "/";
  std::string host;  // Host field of the probe; empty: the server's address
  uint32_t interval_ms = 5'000;
  uint32_t timeout_ms = 2'000;  // connect plus response head
  uint16_t expect_status_min = 200;
  uint16_t expect_status_max = 399;
  uint32_t rise = 2;
  uint32_t fall = 3;
  // A server starts down and must pass `rise` probes first (for upstreams that may not be
  // ready when the proxy starts); by default servers start up.
  bool start_down = false;
};

// Empty when usable; otherwise what is wrong, for a config error message.
std::string validate_active_check_options(const ActiveCheckOptions& options);

enum class ProbeOutcome : uint8_t {
  kPass,           // a response with an expected status
  kBadStatus,      // a response with another status
  kConnectFailed,  // refused, unreachable, or no address to connect to
  kTimeout,        // no complete response head within timeout_ms
  kBadResponse,    // the connection closed early or the response was not HTTP
};

std::string_view to_string(ProbeOutcome outcome);

// One server's active-check state machine.
class ActiveHealthState {
 public:
  explicit ActiveHealthState(const ActiveCheckOptions& options);
  // Returns true when the verdict changed.
  bool record(ProbeOutcome outcome);
  bool up() const { return up_; }
  uint32_t consecutive_passes() const { return passes_; }
  uint32_t consecutive_failures() const { return failures_; }
  ProbeOutcome last_outcome() const { return last_; }

 private:
  uint32_t rise_;
  uint32_t fall_;
  bool up_;
  uint32_t passes_ = 0;
  uint32_t failures_ = 0;
  ProbeOutcome last_ = ProbeOutcome::kPass;
};

// Why a server is down, for logs and the status page.
struct HealthVerdict {
  bool admin_down = false;
  bool active_down = false;
  bool passive_down = false;
  bool down() const { return admin_down || active_down || passive_down; }
};

// Both machines for every server of a set, written into the set's down flags (a server is down
// when any of admin, active or passive says so). Transitions are logged with the server's name.
// One per set, on the set's loop.
class UpstreamHealth {
 public:
  // `active` is null when active checks are off.
  UpstreamHealth(UpstreamSet& set, PassiveHealthOptions passive,
                 const ActiveCheckOptions* active = nullptr);

  void request_failed(size_t i, int64_t now_ms);
  void request_succeeded(size_t i, int64_t now_ms);
  void probe_result(size_t i, ProbeOutcome outcome, int64_t now_ms);
  void set_admin_down(size_t i, bool down, int64_t now_ms);

  // Brings the set's flags up to date at now_ms (ends passive down periods that are over).
  // Returns when the next such change is due (INT64_MAX: none): call again then, e.g. from a
  // loop timer, or before each pick.
  int64_t refresh(int64_t now_ms);

  HealthVerdict verdict(size_t i, int64_t now_ms) const;
  // Failed requests to server i since the set was built (the status page's failures).
  uint64_t failures_total(size_t i) const { return failures_total_[i]; }
  const PassiveHealth& passive() const { return passive_; }
  bool active_enabled() const { return !active_.empty(); }
  // Server i's active-check machine; null when active checks are off.
  const ActiveHealthState* active(size_t i) const {
    return active_.empty() ? nullptr : &active_[i];
  }

 private:
  void apply(size_t i, int64_t now_ms);

  UpstreamSet& set_;
  PassiveHealth passive_;
  std::vector<ActiveHealthState> active_;  // empty when active checks are off
  std::vector<bool> admin_down_;
  std::vector<uint64_t> failures_total_;
};

}  // namespace portico::proxy
