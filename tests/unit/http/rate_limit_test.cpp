// Tests for rate parsing, the GCRA token bucket (exact counts on an injected clock) and the
// per-thread key tables.
#include "portico/http/rate_limit.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace portico::http {
namespace {

Rate rate(const char* text) {
  std::string error;
  auto r = Rate::parse(text, &error);
  EXPECT_TRUE(r) << text << ": " << error;
  return r.value_or(Rate{});
}

TEST(Rate, ParsesCountsAndUnits) {
  EXPECT_EQ(rate("10/s"), (Rate{10, 1000}));
  EXPECT_EQ(rate("10r/s"), (Rate{10, 1000}));
  EXPECT_EQ(rate("600/m"), (Rate{600, 60'000}));
  EXPECT_EQ(rate("1/min"), (Rate{1, 60'000}));
  EXPECT_EQ(rate("100/h"), (Rate{100, 3'600'000}));
  EXPECT_EQ(rate("2000/d"), (Rate{2000, 86'400'000}));
  EXPECT_EQ(rate("1/min").to_string(), "1/min");
  EXPECT_EQ(rate("10r/s").to_string(), "10/s");
}

TEST(Rate, RejectsBadForms) {
  for (const char* bad :
       {"", "10", "/s", "0/s", "10/", "10/w", "-1/s", "1.5/s", "10 /s", "2000000/s", "r/s"}) {
    std::string error;
    EXPECT_FALSE(Rate::parse(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(RateKey, ParsesTheThreeKinds) {
  EXPECT_EQ(RateKey::parse("client")->kind, RateKeyKind::kClient);
  EXPECT_EQ(RateKey::parse("route")->kind, RateKeyKind::kRoute);
  auto h = RateKey::parse("header:X-Api-Key");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->kind, RateKeyKind::kHeader);
  EXPECT_EQ(h->header, "X-Api-Key");
  EXPECT_EQ(h->to_string(), "header:X-Api-Key");
  for (const char* bad : {"", "ip", "header:", "header:X Api", "Client"}) {
    std::string error;
    EXPECT_FALSE(RateKey::parse(bad, &error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(TokenBucket, AllowsExactlyTheBurstThenOnePerInterval) {
  TokenBucket b;
  const Rate r{1, 60'000};
  int64_t now = 1'000'000;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b.take(r, 5, now), 0) << i;
  EXPECT_EQ(b.take(r, 5, now), 60'000);
  EXPECT_EQ(b.take(r, 5, now + 59'999), 1);
  EXPECT_EQ(b.take(r, 5, now + 60'000), 0);
  EXPECT_EQ(b.take(r, 5, now + 60'000), 60'000);
}

TEST(TokenBucket, RefillsToTheBurstAndNoFurther) {
  TokenBucket b;
  const Rate r{10, 1000};  // one token per 100 ms
  int64_t now = 5000;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.take(r, 3, now), 0);
  EXPECT_GT(b.take(r, 3, now), 0);
  EXPECT_FALSE(b.full(r, now));
  now += 10'000;  // long quiet spell: full again, but only 3 tokens
  EXPECT_TRUE(b.full(r, now));
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += b.take(r, 3, now) == 0;
  EXPECT_EQ(allowed, 3);
}

TEST(TokenBucket, SustainsTheRateWithFractionalIntervals) {
  TokenBucket b;
  const Rate r{3, 1000};  // 333.33 ms per token, exact in scaled arithmetic
  int allowed = 0;
  for (int64_t t = 0; t < 10'000; ++t) allowed += b.take(r, 1, t) == 0;
  EXPECT_EQ(allowed, 30);
}

TEST(TokenBucket, RetryAfterRoundsUp) {
  TokenBucket b;
  const Rate r{3, 1000};
  EXPECT_EQ(b.take(r, 1, 0), 0);
  EXPECT_EQ(b.take(r, 1, 0), 334);  // 333.33 ms
  EXPECT_EQ(retry_after_seconds(334), 1);
  EXPECT_EQ(retry_after_seconds(1000), 1);
  EXPECT_EQ(retry_after_seconds(1001), 2);
  EXPECT_EQ(retry_after_seconds(0), 1);
}

class FakeClock {
 public:
  int64_t now = 1'000;
  RateLimiter::ClockMs fn() {
    return [this] { return now; };
  }
};

TEST(RateLimiter, CountsKeysSeparately) {
  FakeClock clock;
  RateLimiter limiter(RateLimit{Rate{1, 60'000}, 2, {}, 100}, clock.fn());
  EXPECT_TRUE(limiter.check("a").allowed);
  EXPECT_TRUE(limiter.check("a").allowed);
  RateDecision d = limiter.check("a");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 60'000);
  EXPECT_TRUE(limiter.check("b").allowed);
  EXPECT_EQ(limiter.rejected(), 1u);
}

TEST(RateLimiter, ForgetsIdleKeys) {
  FakeClock clock;
  RateLimiter limiter(RateLimit{Rate{10, 1000}, 1, {}, 100}, clock.fn());
  for (int i = 0; i < 50; ++i) limiter.check("k" + std::to_string(i));
  EXPECT_EQ(limiter.local_key_count(), 50u);
  clock.now += 1000;  // every bucket is full again
  // Each check forgets up to two idle keys from the cold end.
  for (int i = 0; i < 30; ++i) limiter.check("fresh");
  EXPECT_EQ(limiter.local_key_count(), 1u);
}

TEST(RateLimiter, BoundsTheTableByDroppingTheLeastRecentlyUsed) {
  FakeClock clock;
  RateLimiter limiter(RateLimit{Rate{1, 60'000}, 1, {}, 3}, clock.fn());
  EXPECT_TRUE(limiter.check("a").allowed);
  EXPECT_TRUE(limiter.check("b").allowed);
  EXPECT_TRUE(limiter.check("c").allowed);
  EXPECT_FALSE(limiter.check("a").allowed);  // a becomes the most recent
  EXPECT_TRUE(limiter.check("d").allowed);   // drops b
  EXPECT_EQ(limiter.local_key_count(), 3u);
  EXPECT_FALSE(limiter.check("a").allowed);
  EXPECT_FALSE(limiter.check("c").allowed);
  EXPECT_TRUE(limiter.check("b").allowed);  // forgotten: a fresh bucket
}

TEST(RateLimiter, KeepsStatePerThread) {
  FakeClock clock;
  RateLimiter limiter(RateLimit{Rate{1, 60'000}, 1, {}, 100}, clock.fn());
  EXPECT_TRUE(limiter.check("a").allowed);
  EXPECT_FALSE(limiter.check("a").allowed);
  bool other_allowed = false;
  std::thread([&] { other_allowed = limiter.check("a").allowed; }).join();
  EXPECT_TRUE(other_allowed);
}

TEST(RateLimiter, KeysByClientHeaderOrRoute) {
  RequestHead head;
  head.headers = {{"X-Api-Key", "secret-1"}};
  ConnectionInfo info;
  Request request(head, {}, info);
  net::IpAddress v4 = *net::IpAddress::parse("192.0.2.1");
  net::IpAddress v6 = *net::IpAddress::parse("2001:db8::1");
  RateLimiter by_client(RateLimit{Rate{1, 1000}, 1, RateKey{RateKeyKind::kClient, {}}});
  EXPECT_NE(by_client.key_for(request, v4), by_client.key_for(request, v6));
  EXPECT_EQ(by_client.key_for(request, v4), by_client.key_for(request, v4));
  RateLimiter by_header(RateLimit{Rate{1, 1000}, 1, RateKey{RateKeyKind::kHeader, "x-api-key"}});
  EXPECT_EQ(by_header.key_for(request, v4), "hsecret-1");
  EXPECT_EQ(by_header.key_for(request, v4), by_header.key_for(request, v6));
  RateLimiter by_missing(RateLimit{Rate{1, 1000}, 1, RateKey{RateKeyKind::kHeader, "X-Other"}});
  EXPECT_EQ(by_missing.key_for(request, v4), by_client.key_for(request, v4));
  RateLimiter by_route(RateLimit{Rate{1, 1000}, 1, RateKey{RateKeyKind::kRoute, {}}});
  EXPECT_EQ(by_route.key_for(request, v4), "");
}

TEST(RateLimiter, BoundsLongHeaderKeys) {
  std::string long_value(5000, 'x');
  RequestHead head;
  head.headers = {{"X-Api-Key", long_value}};
  ConnectionInfo info;
  Request request(head, {}, info);
  RateLimiter limiter(RateLimit{Rate{1, 1000}, 1, RateKey{RateKeyKind::kHeader, "X-Api-Key"}});
  EXPECT_LT(limiter.key_for(request, net::IpAddress()).size(), 200u);
}

}  // namespace
}  // namespace portico::http
