// Tests for the health state machines with explicit clock values: passive failures within a
// window, down periods and probation; active rise/fall thresholds; their combination into the
// set's down flags.
#include "portico/proxy/upstream_health.h"

#include <gtest/gtest.h>

#include <climits>

namespace portico::proxy {
namespace {

using State = PassiveHealth::State;

PassiveHealthOptions passive(uint32_t max_fails, uint32_t window_ms, uint32_t down_ms) {
  return PassiveHealthOptions{max_fails, window_ms, down_ms};
}

TEST(PassiveHealthTest, OneFailureTakesAServerDownByDefault) {
  PassiveHealth h(2, PassiveHealthOptions{});
  EXPECT_EQ(h.state(0, 0), State::kHealthy);
  EXPECT_TRUE(h.record_failure(0, 1000));
  EXPECT_TRUE(h.is_down(0, 1000));
  EXPECT_TRUE(h.is_down(0, 10'999));
  EXPECT_FALSE(h.is_down(1, 1000));  // the other server is untouched
  EXPECT_EQ(h.state(0, 11'000), State::kProbation);
}

TEST(PassiveHealthTest, NeedsMaxFailsWithinTheWindow) {
  PassiveHealth h(1, passive(3, 1000, 5000));
  EXPECT_FALSE(h.record_failure(0, 0));
  EXPECT_FALSE(h.record_failure(0, 500));
  EXPECT_TRUE(h.record_failure(0, 999));  // third within 1000 ms of the first
  EXPECT_TRUE(h.is_down(0, 999));
}

TEST(PassiveHealthTest, FailuresSpreadBeyondTheWindowDoNotAddUp) {
  PassiveHealth h(1, passive(2, 1000, 5000));
  EXPECT_FALSE(h.record_failure(0, 0));
  EXPECT_FALSE(h.record_failure(0, 1000));  // the window of the first one is over: starts anew
  EXPECT_FALSE(h.record_failure(0, 2500));
  EXPECT_TRUE(h.record_failure(0, 2600));
}

TEST(PassiveHealthTest, SuccessesDoNotResetTheCountWithinTheWindow) {
  PassiveHealth h(1, passive(2, 1000, 5000));
  EXPECT_FALSE(h.record_failure(0, 0));
  EXPECT_FALSE(h.record_success(0, 10));
  EXPECT_TRUE(h.record_failure(0, 20));
}

TEST(PassiveHealthTest, ProbationEndsWithTheFirstResult) {
  PassiveHealth h(1, passive(1, 1000, 5000));
  ASSERT_TRUE(h.record_failure(0, 0));
  // After the down period the server may be tried again...
  EXPECT_EQ(h.state(0, 5000), State::kProbation);
  EXPECT_FALSE(h.is_down(0, 5000));
  // ...a failure takes it out for a whole period again at once...
  EXPECT_TRUE(h.record_failure(0, 5001));
  EXPECT_TRUE(h.is_down(0, 10'000));
  EXPECT_EQ(h.state(0, 10'001), State::kProbation);
  // ...and a success restores it.
  EXPECT_TRUE(h.record_success(0, 10'002));
  EXPECT_EQ(h.state(0, 10'002), State::kHealthy);
}

TEST(PassiveHealthTest, ProbationNeedsOnlyOneFailureEvenWithHigherMaxFails) {
  PassiveHealth h(1, passive(3, 1000, 100));
  for (int i = 0; i < 3; ++i) h.record_failure(0, i);
  ASSERT_TRUE(h.is_down(0, 50));
  EXPECT_TRUE(h.record_failure(0, 200));
  EXPECT_TRUE(h.is_down(0, 250));
}

TEST(PassiveHealthTest, FailuresWhileDownAreIgnored) {
  PassiveHealth h(1, passive(1, 1000, 5000));
  ASSERT_TRUE(h.record_failure(0, 0));
  EXPECT_FALSE(h.record_failure(0, 100));          // a request that was already in flight
  EXPECT_EQ(h.state(0, 5000), State::kProbation);  // the period was not extended
}

TEST(PassiveHealthTest, ZeroMaxFailsTurnsPassiveChecksOff) {
  PassiveHealth h(1, passive(0, 1000, 5000));
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(h.record_failure(0, i));
  EXPECT_EQ(h.state(0, 100), State::kHealthy);
}

TEST(PassiveHealthTest, ReportsTheNextRecovery) {
  PassiveHealth h(3, passive(1, 1000, 5000));
  EXPECT_EQ(h.next_recovery_ms(0), INT64_MAX);
  h.record_failure(0, 100);
  h.record_failure(2, 50);
  EXPECT_EQ(h.next_recovery_ms(60), 5050);
  EXPECT_EQ(h.next_recovery_ms(5050), 5100);
  EXPECT_EQ(h.next_recovery_ms(5100), INT64_MAX);
}

ActiveCheckOptions active(uint32_t rise, uint32_t fall, bool start_down = false) {
  ActiveCheckOptions o;
  o.rise = rise;
  o.fall = fall;
  o.start_down = start_down;
  return o;
}

TEST(ActiveHealthStateTest, FallConsecutiveFailuresTakeItDown) {
  ActiveHealthState a(active(2, 3));
  EXPECT_TRUE(a.up());
  EXPECT_FALSE(a.record(ProbeOutcome::kTimeout));
  EXPECT_FALSE(a.record(ProbeOutcome::kBadStatus));
  EXPECT_FALSE(a.record(ProbeOutcome::kPass));  // breaks the run
  EXPECT_FALSE(a.record(ProbeOutcome::kConnectFailed));
  EXPECT_FALSE(a.record(ProbeOutcome::kBadResponse));
  EXPECT_TRUE(a.up());
  EXPECT_TRUE(a.record(ProbeOutcome::kTimeout));
  EXPECT_FALSE(a.up());
  EXPECT_EQ(a.consecutive_failures(), 3u);
  EXPECT_EQ(a.last_outcome(), ProbeOutcome::kTimeout);
  EXPECT_FALSE(a.record(ProbeOutcome::kTimeout));  // already down: no change
}

TEST(ActiveHealthStateTest, RiseConsecutivePassesBringItBack) {
  ActiveHealthState a(active(2, 1));
  ASSERT_TRUE(a.record(ProbeOutcome::kBadStatus));
  EXPECT_FALSE(a.record(ProbeOutcome::kPass));
  EXPECT_FALSE(a.record(ProbeOutcome::kBadStatus));  // breaks the run
  EXPECT_FALSE(a.record(ProbeOutcome::kPass));
  EXPECT_FALSE(a.up());
  EXPECT_TRUE(a.record(ProbeOutcome::kPass));
  EXPECT_TRUE(a.up());
}

TEST(ActiveHealthStateTest, StartDownWaitsForRisePasses) {
  ActiveHealthState a(active(3, 1, true));
  EXPECT_FALSE(a.up());
  EXPECT_FALSE(a.record(ProbeOutcome::kPass));
  EXPECT_FALSE(a.record(ProbeOutcome::kPass));
  EXPECT_TRUE(a.record(ProbeOutcome::kPass));
}

TEST(ActiveHealthStateTest, ValidatesOptions) {
  EXPECT_EQ(validate_active_check_options(ActiveCheckOptions{}), "");
  auto invalid = [](auto change) {
    ActiveCheckOptions o;
    change(o);
    return !validate_active_check_options(o).empty();
  };
  EXPECT_TRUE(invalid([](ActiveCheckOptions& o) { o.path = "healthz"; }));
  EXPECT_TRUE(invalid([](ActiveCheckOptions& o) { o.path = "/a b"; }));
  EXPECT_TRUE(invalid([](ActiveCheckOptions& o) { o.path = "/a\r\nX: y"; }));
  EXPECT_TRUE(invalid([](ActiveCheckOptions& o) { o.host = "a\r\nb"; }));
  EXPECT_TRUE(invalid([](ActiveCheckOptions& o) { o.interval_ms = 0; }));
  EXPECT_TRUE(invalid([](ActiveCheckOptions& o) { o.timeout_ms = 0; }));
  EXPECT_TRUE(invalid([](ActiveCheckOptions& o) { o.expect_status_min = 99; }));
  EXPECT_TRUE(invalid([](ActiveCheckOptions& o) { o.expect_status_max = 600; }));
  EXPECT_TRUE(invalid([](ActiveCheckOptions& o) {
    o.expect_status_min = 300;
    o.expect_status_max = 299;
  }));
  EXPECT_TRUE(invalid([](ActiveCheckOptions& o) { o.rise = 0; }));
  EXPECT_TRUE(invalid([](ActiveCheckOptions& o) { o.fall = 0; }));
  EXPECT_FALSE(invalid([](ActiveCheckOptions& o) { o.path = "/health?full=1"; }));
}

TEST(ActiveHealthStateTest, EveryOutcomeHasAName) {
  for (auto o : {ProbeOutcome::kPass, ProbeOutcome::kBadStatus, ProbeOutcome::kConnectFailed,
                 ProbeOutcome::kTimeout, ProbeOutcome::kBadResponse}) {
    EXPECT_NE(to_string(o), "unknown");
  }
}

UpstreamSet two_servers() {
  UpstreamSet set;
  set.add(UpstreamServer{"a", "10.0.0.1:80", 1});
  set.add(UpstreamServer{"b", "10.0.0.2:80", 1});
  return set;
}

TEST(UpstreamHealthTest, PassiveFailuresMarkTheSetAndRefreshRestoresIt) {
  UpstreamSet set = two_servers();
  UpstreamHealth health(set, passive(1, 1000, 5000));
  health.request_failed(1, 100);
  EXPECT_FALSE(set.is_up(1));
  EXPECT_TRUE(set.is_up(0));
  EXPECT_EQ(health.refresh(200), 5100);
  EXPECT_FALSE(set.is_up(1));
  EXPECT_EQ(health.refresh(5100), INT64_MAX);
  EXPECT_TRUE(set.is_up(1));  // on probation: it may be picked again
  health.request_succeeded(1, 5200);
  EXPECT_EQ(health.passive().state(1, 5200), State::kHealthy);
}

TEST(UpstreamHealthTest, AnyMachineSayingDownWins) {
  UpstreamSet set = two_servers();
  const ActiveCheckOptions ac = active(1, 1);
  UpstreamHealth health(set, passive(1, 1000, 5000), &ac);
  ASSERT_NE(health.active(0), nullptr);
  health.probe_result(0, ProbeOutcome::kTimeout, 0);
  EXPECT_FALSE(set.is_up(0));
  EXPECT_TRUE(health.verdict(0, 0).active_down);
  // The passive period ending does not override the active verdict.
  health.request_failed(0, 10);
  EXPECT_EQ(health.refresh(6000), INT64_MAX);
  EXPECT_FALSE(set.is_up(0));
  health.probe_result(0, ProbeOutcome::kPass, 6000);
  EXPECT_TRUE(set.is_up(0));
  // An operator's word holds against passing checks.
  health.set_admin_down(0, true, 6000);
  health.probe_result(0, ProbeOutcome::kPass, 6001);
  EXPECT_FALSE(set.is_up(0));
  EXPECT_TRUE(health.verdict(0, 6001).admin_down);
  health.set_admin_down(0, false, 6002);
  EXPECT_TRUE(set.is_up(0));
}

TEST(UpstreamHealthTest, ServersStartDownWhenActiveChecksSaySo) {
  UpstreamSet set = two_servers();
  const ActiveCheckOptions ac = active(1, 1, true);
  UpstreamHealth health(set, PassiveHealthOptions{}, &ac);
  EXPECT_EQ(set.up_count(), 0u);
  health.probe_result(1, ProbeOutcome::kPass, 0);
  EXPECT_TRUE(set.is_up(1));
}

TEST(UpstreamHealthTest, ProbeResultsAreIgnoredWithoutActiveChecks) {
  UpstreamSet set = two_servers();
  UpstreamHealth health(set, PassiveHealthOptions{});
  EXPECT_FALSE(health.active_enabled());
  EXPECT_EQ(health.active(0), nullptr);
  health.probe_result(0, ProbeOutcome::kTimeout, 0);
  EXPECT_TRUE(set.is_up(0));
}

}  // namespace
}  // namespace portico::proxy
