// Tests for the balancing policies: exact round-robin sequences, weights, least connections,
// IP and consistent hashing (remapping about 1/N of keys, measured with fixed seeds), power of
// two choices, sticky cookies, and the rules every policy shares (down, tried, none left).
#include "portico/proxy/balancer.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace portico::proxy {
namespace {

UpstreamSet make_set(const std::vector<uint32_t>& weights, const std::string& prefix = "s") {
  UpstreamSet set;
  for (size_t i = 0; i < weights.size(); ++i) {
    set.add(UpstreamServer{prefix + std::to_string(i), "10.0.0." + std::to_string(i + 1) + ":80",
                           weights[i]});
  }
  return set;
}

// Picks n times with the same context; the chosen indexes as letters ('a' + index), '-' none.
std::string sequence(Balancer& b, int n, const PickContext& ctx = {}) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    const auto p = b.pick(ctx);
    s += p ? static_cast<char>('a' + *p) : '-';
  }
  return s;
}

std::map<size_t, int> shares(Balancer& b, int n, const PickContext& ctx = {}) {
  std::map<size_t, int> m;
  for (int i = 0; i < n; ++i) {
    if (auto p = b.pick(ctx)) ++m[*p];
  }
  return m;
}

// Deterministic keys: "key-<n>-<random>" from a fixed seed.
std::vector<std::string> keys(size_t n, uint64_t seed = 42) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i)
    v.push_back("key-" + std::to_string(i) + "-" + std::to_string(rng()));
  return v;
}

// --- names ---------------------------------------------------------------------------

TEST(BalancerTest, PolicyNamesRoundTrip) {
  for (auto p :
       {BalancePolicy::kRoundRobin, BalancePolicy::kLeastConn, BalancePolicy::kIpHash,
        BalancePolicy::kConsistentHash, BalancePolicy::kPowerOfTwo, BalancePolicy::kSticky}) {
    EXPECT_EQ(parse_balance_policy(to_string(p)), p);
  }
  EXPECT_EQ(parse_balance_policy("least-conn"), BalancePolicy::kLeastConn);
  EXPECT_EQ(parse_balance_policy("Round-Robin"), std::nullopt);
  EXPECT_EQ(parse_balance_policy("random"), std::nullopt);
}

// --- rules every policy follows ------------------------------------------------------------------

class EveryPolicyTest : public ::testing::TestWithParam<BalancePolicy> {
 protected:
  static PickContext context() {
    PickContext c;
    c.client_address = "192.0.2.1";
    c.hash_key = "/some/path";
    return c;
  }
};

TEST_P(EveryPolicyTest, NeverPicksAServerThatIsDown) {
  UpstreamSet set = make_set({1, 1, 1, 1});
  set.set_down(1, true);
  set.set_down(3, true);
  auto b = make_balancer(GetParam(), set, {.seed = 7});
  for (int i = 0; i < 200; ++i) {
    PickContext c = context();
    const std::string key = "k" + std::to_string(i);
    c.hash_key = key;
    c.client_address = key;
    const auto p = b->pick(c);
    ASSERT_TRUE(p.has_value());
    EXPECT_TRUE(*p == 0 || *p == 2) << *p;
  }
}

TEST_P(EveryPolicyTest, PicksNothingWhenAllAreDown) {
  UpstreamSet set = make_set({1, 2});
  set.set_down(0, true);
  set.set_down(1, true);
  auto b = make_balancer(GetParam(), set, {.seed = 7});
  EXPECT_EQ(b->pick(context()), std::nullopt);
  EXPECT_EQ(b->policy(), GetParam());
}

TEST_P(EveryPolicyTest, PicksNothingFromAnEmptySet) {
  UpstreamSet set;
  auto b = make_balancer(GetParam(), set, {.seed = 7});
  EXPECT_EQ(b->pick(context()), std::nullopt);
}

TEST_P(EveryPolicyTest, RetriesGoToAServerNotTriedYet) {
  UpstreamSet set = make_set({1, 1, 1});
  auto b = make_balancer(GetParam(), set, {.seed = 7});
  std::vector<size_t> tried;
  for (int attempt = 0; attempt < 3; ++attempt) {
    PickContext c = context();
    c.tried = tried;
    const auto p = b->pick(c);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(std::count(tried.begin(), tried.end(), *p), 0) << "attempt " << attempt;
    tried.push_back(*p);
  }
  PickContext c = context();
  c.tried = tried;
  EXPECT_EQ(b->pick(c), std::nullopt);  // every server tried
}

TEST_P(EveryPolicyTest, CountsPicks) {
  UpstreamSet set = make_set({1, 1});
  auto b = make_balancer(GetParam(), set, {.seed = 7});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b->pick(context()).has_value());
  EXPECT_EQ(set.state(0).picks + set.state(1).picks, 10u);
}

INSTANTIATE_TEST_SUITE_P(Policies, EveryPolicyTest,
                         ::testing::Values(BalancePolicy::kRoundRobin, BalancePolicy::kLeastConn,
                                           BalancePolicy::kIpHash, BalancePolicy::kConsistentHash,
                                           BalancePolicy::kPowerOfTwo, BalancePolicy::kSticky),
                         [](const auto& info) {
                           std::string n(to_string(info.param));
                           std::erase(n, '-');
                           return n;
                         });

// --- smooth weighted round-robin -------------------------------------------------------------

TEST(RoundRobinTest, InterleavesByWeightLikeNginx) {
  UpstreamSet set = make_set({5, 1, 1});
  auto b = make_balancer(BalancePolicy::kRoundRobin, set);
  EXPECT_EQ(sequence(*b, 14), "aabacaaaabacaa");
}

TEST(RoundRobinTest, EqualWeightsTakeTurns) {
  UpstreamSet set = make_set({1, 1, 1});
  auto b = make_balancer(BalancePolicy::kRoundRobin, set);
  EXPECT_EQ(sequence(*b, 7), "abcabca");
}

TEST(RoundRobinTest, SharesAreExactOverWholeCycles) {
  UpstreamSet set = make_set({3, 2, 7, 1});
  auto b = make_balancer(BalancePolicy::kRoundRobin, set);
  const auto m = shares(*b, 13 * 50);
  EXPECT_EQ(m.at(0), 150);
  EXPECT_EQ(m.at(1), 100);
  EXPECT_EQ(m.at(2), 350);
  EXPECT_EQ(m.at(3), 50);
}

TEST(RoundRobinTest, ADownServersShareGoesToTheOthersAndComesBack) {
  UpstreamSet set = make_set({1, 1, 1});
  auto b = make_balancer(BalancePolicy::kRoundRobin, set);
  set.set_down(1, true);
  EXPECT_EQ(sequence(*b, 4), "acac");
  set.set_down(1, false);
  const auto m = shares(*b, 300);
  EXPECT_EQ(m.at(1), 100);
}

// --- least connections -----------------------------------------------------------------------

TEST(LeastConnTest, PicksTheServerWithFewestActiveRequests) {
  UpstreamSet set = make_set({1, 1, 1});
  auto b = make_balancer(BalancePolicy::kLeastConn, set);
  set.request_started(0);
  set.request_started(0);
  set.request_started(1);
  EXPECT_EQ(b->pick({}), 2u);
  set.request_started(2);
  set.request_started(2);
  EXPECT_EQ(b->pick({}), 1u);
}

TEST(LeastConnTest, WeighsActiveRequestsByWeight) {
  UpstreamSet set = make_set({4, 1});
  auto b = make_balancer(BalancePolicy::kLeastConn, set);
  for (int i = 0; i < 3; ++i) set.request_started(0);  // 3/4 < 1/1
  set.request_started(1);
  EXPECT_EQ(b->pick({}), 0u);
  set.request_started(0);  // 4/4 == 1/1: a tie, broken by weighted round-robin
  const auto m = shares(*b, 500);
  EXPECT_EQ(m.at(0), 400);
  EXPECT_EQ(m.at(1), 100);
}

TEST(LeastConnTest, FollowsLoadAsRequestsStartAndFinish) {
  UpstreamSet set = make_set({1, 1});
  auto b = make_balancer(BalancePolicy::kLeastConn, set);
  // Requests that never finish alternate; a long one on a server sends the next ones elsewhere.
  const size_t first = *b->pick({});
  set.request_started(first);
  const size_t second = *b->pick({});
  EXPECT_NE(first, second);
  set.request_started(second);
  set.request_finished(second);
  EXPECT_EQ(b->pick({}), second);
}

// --- IP hash ------------------------------------------------------------------------------------

TEST(IpHashTest, OneClientAlwaysGetsTheSameServer) {
  UpstreamSet set = make_set({1, 1, 1, 1});
  auto b = make_balancer(BalancePolicy::kIpHash, set);
  for (const auto& k : keys(50)) {
    PickContext c;
    c.client_address = k;
    const auto first = b->pick(c);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(b->pick(c), first);
  }
}

TEST(IpHashTest, ClientsSpreadByWeight) {
  UpstreamSet set = make_set({1, 2, 1});
  auto b = make_balancer(BalancePolicy::kIpHash, set);
  std::map<size_t, int> m;
  for (const auto& k : keys(20000)) {
    PickContext c;
    c.client_address = k;
    ++m[*b->pick(c)];
  }
  EXPECT_NEAR(m[0] / 20000.0, 0.25, 0.02);
  EXPECT_NEAR(m[1] / 20000.0, 0.50, 0.02);
  EXPECT_NEAR(m[2] / 20000.0, 0.25, 0.02);
}

TEST(IpHashTest, ADownServerMovesOnlyItsOwnClients) {
  UpstreamSet set = make_set({1, 1, 1, 1});
  auto b = make_balancer(BalancePolicy::kIpHash, set);
  const auto ks = keys(5000);
  std::vector<size_t> before;
  before.reserve(ks.size());
  for (const auto& k : ks) before.push_back(*b->pick(PickContext{.client_address = k}));
  set.set_down(2, true);
  for (size_t i = 0; i < ks.size(); ++i) {
    const size_t now = *b->pick(PickContext{.client_address = ks[i]});
    if (before[i] != 2) {
      EXPECT_EQ(now, before[i]) << ks[i];
    }
    EXPECT_NE(now, 2u);
  }
}

// --- consistent hashing -------------------------------------------------------------------------

std::vector<size_t> map_keys(Balancer& b, const std::vector<std::string>& ks) {
  std::vector<size_t> v;
  v.reserve(ks.size());
  for (const auto& k : ks) v.push_back(*b.pick(PickContext{.hash_key = k}));
  return v;
}

TEST(ConsistentHashTest, SpreadsKeysEvenly) {
  UpstreamSet set = make_set({1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
  auto b = make_balancer(BalancePolicy::kConsistentHash, set);
  const auto ks = keys(100000);
  std::map<size_t, int> m;
  for (size_t s : map_keys(*b, ks)) ++m[s];
  ASSERT_EQ(m.size(), 10u);
  for (const auto& [server, n] : m) EXPECT_NEAR(n / 10000.0, 1.0, 0.3) << server;
}

TEST(ConsistentHashTest, WeightsScaleTheShare) {
  UpstreamSet set = make_set({1, 3});
  auto b = make_balancer(BalancePolicy::kConsistentHash, set);
  std::map<size_t, int> m;
  for (size_t s : map_keys(*b, keys(40000))) ++m[s];
  EXPECT_NEAR(m[1] / 40000.0, 0.75, 0.06);
}

TEST(ConsistentHashTest, RemovingOneOfNServersMovesOnlyItsKeysAboutOneNth) {
  const auto ks = keys(50000, 7);
  for (size_t n : {5u, 10u, 20u}) {
    SCOPED_TRACE(n);
    UpstreamSet full = make_set(std::vector<uint32_t>(n, 1));
    auto b_full = make_balancer(BalancePolicy::kConsistentHash, full);
    const auto before = map_keys(*b_full, ks);
    // The same servers without the last one (a reload that drops it).
    UpstreamSet fewer = make_set(std::vector<uint32_t>(n - 1, 1));
    auto b_fewer = make_balancer(BalancePolicy::kConsistentHash, fewer);
    const auto after = map_keys(*b_fewer, ks);
    size_t moved = 0;
    for (size_t i = 0; i < ks.size(); ++i) {
      if (before[i] == n - 1) {
        ++moved;
      } else {
        EXPECT_EQ(after[i], before[i]);  // nobody else's key moves
      }
    }
    const double fraction = double(moved) / double(ks.size());
    EXPECT_GT(fraction, 0.6 / double(n));
    EXPECT_LT(fraction, 1.4 / double(n));
  }
}

TEST(ConsistentHashTest, AddingAServerTakesKeysOnlyForItself) {
  const auto ks = keys(50000, 9);
  UpstreamSet nine = make_set(std::vector<uint32_t>(9, 1));
  UpstreamSet ten = make_set(std::vector<uint32_t>(10, 1));
  auto b9 = make_balancer(BalancePolicy::kConsistentHash, nine);
  auto b10 = make_balancer(BalancePolicy::kConsistentHash, ten);
  const auto before = map_keys(*b9, ks);
  const auto after = map_keys(*b10, ks);
  size_t moved = 0;
  for (size_t i = 0; i < ks.size(); ++i) {
    if (after[i] != before[i]) {
      EXPECT_EQ(after[i], 9u);  // only to the new server
      ++moved;
    }
  }
  EXPECT_NEAR(double(moved) / double(ks.size()), 0.1, 0.04);
}

TEST(ConsistentHashTest, MarkingAServerDownMapsKeysAsIfItWereRemoved) {
  const auto ks = keys(20000, 11);
  UpstreamSet four = make_set({1, 1, 1, 1});
  auto b4 = make_balancer(BalancePolicy::kConsistentHash, four);
  four.set_down(3, true);
  UpstreamSet three = make_set({1, 1, 1});
  auto b3 = make_balancer(BalancePolicy::kConsistentHash, three);
  EXPECT_EQ(map_keys(*b4, ks), map_keys(*b3, ks));
  // And back: the keys return.
  four.set_down(3, false);
  UpstreamSet again = make_set({1, 1, 1, 1});
  auto b4b = make_balancer(BalancePolicy::kConsistentHash, again);
  EXPECT_EQ(map_keys(*b4, ks), map_keys(*b4b, ks));
}

TEST(ConsistentHashTest, PlacementDependsOnNamesNotOrder) {
  UpstreamSet ab;
  ab.add(UpstreamServer{"alpha", "10.0.0.1:80", 1});
  ab.add(UpstreamServer{"beta", "10.0.0.2:80", 1});
  UpstreamSet ba;
  ba.add(UpstreamServer{"beta", "10.0.0.2:80", 1});
  ba.add(UpstreamServer{"alpha", "10.0.0.1:80", 1});
  auto b1 = make_balancer(BalancePolicy::kConsistentHash, ab);
  auto b2 = make_balancer(BalancePolicy::kConsistentHash, ba);
  for (const auto& k : keys(2000)) {
    EXPECT_EQ(ab.server(*b1->pick({.hash_key = k})).name,
              ba.server(*b2->pick({.hash_key = k})).name);
  }
}

TEST(ConsistentHashTest, AnEmptyKeyHasNoAffinity) {
  UpstreamSet set = make_set({1, 1});
  auto b = make_balancer(BalancePolicy::kConsistentHash, set);
  EXPECT_EQ(sequence(*b, 4), "abab");
}

// --- power of two choices --------------------------------------------------------------------

TEST(PowerOfTwoTest, TheSameSeedGivesTheSameChoices) {
  UpstreamSet s1 = make_set({1, 2, 3, 4});
  UpstreamSet s2 = make_set({1, 2, 3, 4});
  auto b1 = make_balancer(BalancePolicy::kPowerOfTwo, s1, {.seed = 1234});
  auto b2 = make_balancer(BalancePolicy::kPowerOfTwo, s2, {.seed = 1234});
  EXPECT_EQ(sequence(*b1, 200), sequence(*b2, 200));
}

TEST(PowerOfTwoTest, TheMostLoadedServerNeverWins) {
  UpstreamSet set = make_set({1, 1, 1});
  auto b = make_balancer(BalancePolicy::kPowerOfTwo, set, {.seed = 99});
  for (int i = 0; i < 50; ++i) set.request_started(1);
  const auto m = shares(*b, 3000);
  EXPECT_EQ(m.count(1), 0u);
  EXPECT_NEAR(m.at(0) / 3000.0, 0.5, 0.05);
}

TEST(PowerOfTwoTest, IdleServersShareByWeight) {
  UpstreamSet set = make_set({3, 1});
  auto b = make_balancer(BalancePolicy::kPowerOfTwo, set, {.seed = 5});
  // Both are always drawn; on a tie the first drawn wins, and it is drawn by weight.
  const auto m = shares(*b, 20000);
  EXPECT_NEAR(m.at(0) / 20000.0, 0.75, 0.02);
}

TEST(PowerOfTwoTest, ASingleUsableServerIsPicked) {
  UpstreamSet set = make_set({1, 1, 1});
  set.set_down(0, true);
  set.set_down(2, true);
  auto b = make_balancer(BalancePolicy::kPowerOfTwo, set, {.seed = 5});
  EXPECT_EQ(sequence(*b, 5), "bbbbb");
}

// --- sticky sessions ---------------------------------------------------------------------------

TEST(StickyTest, CookieValuesAreStableOpaqueDigestsOfNames) {
  const UpstreamServer a{"app-1", "10.0.0.1:80", 1};
  const UpstreamServer a_moved{"app-1", "10.9.9.9:80", 5};
  const UpstreamServer b{"app-2", "10.0.0.1:80", 1};
  const std::string v = sticky_cookie_value(a);
  EXPECT_EQ(v.size(), 16u);
  EXPECT_EQ(v.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(sticky_cookie_value(a_moved), v);  // the name, not the address or weight
  EXPECT_NE(sticky_cookie_value(b), v);
  EXPECT_EQ(v.find("10.0.0.1"), std::string::npos);
}

TEST(StickyTest, TheCookieKeepsAClientOnItsServer) {
  UpstreamSet set = make_set({1, 1, 1});
  auto b = make_balancer(BalancePolicy::kSticky, set);
  const std::string cookie = sticky_cookie_value(set.server(2));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(b->pick({.sticky_cookie = cookie}), 2u);
}

TEST(StickyTest, WithoutAUsableCookieTheFallbackChooses) {
  UpstreamSet set = make_set({1, 1, 1});
  auto b = make_balancer(BalancePolicy::kSticky, set);
  EXPECT_EQ(sequence(*b, 3), "abc");  // no cookie: round-robin
  EXPECT_EQ(sequence(*b, 3, {.sticky_cookie = "0123456789abcdef"}), "abc");  // unknown
  // The cookie's server is down: the session moves to another one.
  const std::string cookie = sticky_cookie_value(set.server(1));
  set.set_down(1, true);
  for (int i = 0; i < 10; ++i) EXPECT_NE(b->pick({.sticky_cookie = cookie}), 1u);
  // ...and comes back with it.
  set.set_down(1, false);
  EXPECT_EQ(b->pick({.sticky_cookie = cookie}), 1u);
}

TEST(StickyTest, FallbackCanBeAnotherPolicy) {
  UpstreamSet set = make_set({1, 1, 1});
  auto b =
      make_balancer(BalancePolicy::kSticky, set, {.sticky_fallback = BalancePolicy::kLeastConn});
  set.request_started(0);
  set.request_started(1);
  EXPECT_EQ(b->pick({}), 2u);
}

TEST(StickyTest, AStickyFallbackIsRefused) {
  UpstreamSet set = make_set({1});
  EXPECT_THROW(
      make_balancer(BalancePolicy::kSticky, set, {.sticky_fallback = BalancePolicy::kSticky}),
      std::invalid_argument);
}

}  // namespace
}  // namespace portico::proxy
