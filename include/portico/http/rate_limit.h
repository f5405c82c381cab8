// Request rate limiting: a token bucket per key (the client address, a request field, or the
// route), answered 429 with Retry-After (RFC 6585 4). State is per worker thread, so the request
// path takes no lock; memory is bounded (idle keys are forgotten, the least recently used key
// is dropped when a thread's table is full).
//
//   http::RateLimit limit{.rate = *http::Rate::parse("10/s", &err), .burst = 20};
//   http::RateLimiter limiter(limit);
//   auto d = limiter.check(limiter.key_for(request, client));
//   if (!d.allowed) ...  // 429, Retry-After: seconds_until(d.retry_after_ms)
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "portico/base/per_thread.h"
#include "portico/http/request.h"
#include "portico/net/cidr.h"

namespace portico::http {

// count requests per period_ms: "10/s", "600/m", "5/min", "100/h", "2000/d"; nginx's "10r/s"
// is accepted too.
struct Rate {
  uint32_t count = 0;
  uint32_t period_ms = 1000;

  static constexpr uint32_t kMaxCount = 1'000'000;
  // On failure nullopt and *error says what is expected.
  static std::optional<Rate> parse(std::string_view text, std::string* error = nullptr);
  std::string to_string() const;  // "10/s", "5/min", "100/h", "2000/d"
  friend bool operator==(const Rate&, const Rate&) = default;
};

// What a bucket is kept for.
enum class RateKeyKind : uint8_t {
  kClient,  // the effective client address (see client_address.h)
  kHeader,  // a request field's value (an API key); requests without it count per client
  kRoute,   // one bucket for the whole route or site
};

struct RateKey {
  RateKeyKind kind = RateKeyKind::kClient;
  std::string header;  // kHeader: the field name

  // "client", "route", "header:X-Api-Key". nullopt with *error otherwise.
  static std::optional<RateKey> parse(std::string_view text, std::string* error = nullptr);
  std::string to_string() const;
  friend bool operator==(const RateKey&, const RateKey&) = default;
};

struct RateLimit {
  Rate rate;
  // Requests allowed at once after a quiet spell (the bucket's size); at least 1.
  uint32_t burst = 1;
  RateKey key;
  // Keys remembered per worker thread; beyond it the least recently used is forgotten (which
  // gives that key a full bucket again: under a flood of distinct keys the limit is lenient
  // rather than unbounded in memory).
  size_t max_keys_per_thread = 100'000;
  friend bool operator==(const RateLimit&, const RateLimit&) = default;
};

// One key's bucket in the GCRA form ("virtual scheduling", ITU-T I.371): equivalent to a token
// bucket of `burst` tokens refilled at `rate`, but the state is one number, the theoretical
// arrival time, and arithmetic is exact integers (time scaled by the rate's count).
class TokenBucket {
 public:
  // Takes a token at now_ms. 0: taken. Otherwise the milliseconds until one is available
  // (rounded up), and nothing changed.
  int64_t take(const Rate& rate, uint32_t burst, int64_t now_ms);
  // True when the bucket is full again: forgetting it changes nothing.
  bool full(const Rate& rate, int64_t now_ms) const;

 private:
  int64_t tat_ = 0;  // ms * rate.count; <= now means full
};

struct RateDecision {
  bool allowed = true;
  int64_t retry_after_ms = 0;  // when !allowed
};

// Retry-After value: whole seconds, rounded up, at least 1 (RFC 9110 10.2.3).
int64_t retry_after_seconds(int64_t retry_after_ms);

class RateLimiter {
 public:
  using ClockMs = std::function<int64_t()>;
  // clock: monotonic milliseconds (default portico::monotonic_ms); tests inject their own.
  explicit RateLimiter(RateLimit limit, ClockMs clock = {});
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // The bucket key of a request: the client address (binary), the field value, or "".
  std::string key_for(const Request& request, const net::IpAddress& client) const;
  // Takes a token from the key's bucket in this thread's table.
  RateDecision check(std::string_view key);

  const RateLimit& limit() const { return limit_; }
  // Requests refused so far (all threads; relaxed counter for the status page).
  uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }
  // Keys held by the calling thread's table (tests).
  size_t local_key_count() const;

 private:
  struct Table;
  RateLimit limit_;
  ClockMs clock_;
  PerThread<Table> tables_;
  std::atomic<uint64_t> rejected_{0};
};

}  // namespace portico::http
