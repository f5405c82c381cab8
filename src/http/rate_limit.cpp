// Rate limiting: rate/key parsing, the GCRA token bucket and the per-thread key tables.
#include "portico/http/rate_limit.h"

#include <algorithm>
#include <list>
#include <unordered_map>

#include "portico/base/clock.h"
#include "portico/http/headers.h"

namespace portico::http {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Field values longer than this are keyed by their first bytes plus a hash of the whole: a
// client cannot make one table entry cost kilobytes.
constexpr size_t kMaxKeyBytes = 128;

void set_error(std::string* error, std::string text) {
  if (error != nullptr) *error = std::move(text);
}

}  // namespace

// ---- Rate ----

std::optional<Rate> Rate::parse(std::string_view text, std::string* error) {
  const char* expected = "expected COUNT/UNIT like 10/s, 600/m, 100/h or 2000/d";
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) {
    set_error(error, expected);
    return std::nullopt;
  }
  std::string_view count_text = text.substr(0, slash);
  if (count_text.back() == 'r') count_text.remove_suffix(1);  // nginx "10r/s"
  uint64_t count = 0;
  if (count_text.empty() || count_text.size() > 7) {
    set_error(error, expected);
    return std::nullopt;
  }
  for (char c : count_text) {
    if (c < '0' || c > '9') {
      set_error(error, expected);
      return std::nullopt;
    }
    count = count * 10 + static_cast<uint64_t>(c - '0');
  }
  if (count == 0 || count > kMaxCount) {
    set_error(error, "the count must be 1.." + std::to_string(kMaxCount));
    return std::nullopt;
  }
  std::string_view unit = text.substr(slash + 1);
  uint32_t period = 0;
  if (unit == "s" || unit == "sec" || unit == "second") {
    period = 1000;
  } else if (unit == "m" || unit == "min" || unit == "minute") {
    period = 60'000;
  } else if (unit == "h" || unit == "hour") {
    period = 3'600'000;
  } else if (unit == "d" || unit == "day") {
    period = 86'400'000;
  } else {
    set_error(error, expected);
    return std::nullopt;
  }
  return Rate{static_cast<uint32_t>(count), period};
}

std::string Rate::to_string() const {
  const char* unit = period_ms == 1000       ? "s"
                     : period_ms == 60'000   ? "min"
                     : period_ms == 3600000  ? "h"
                     : period_ms == 86400000 ? "d"
                                             : nullptr;
  if (unit == nullptr) return std::to_string(count) + " per " + std::to_string(period_ms) + " ms";
  return std::to_string(count) + "/" + unit;
}

// ---- RateKey ----

std::optional<RateKey> RateKey::parse(std::string_view text, std::string* error) {
  if (text == "client") return RateKey{RateKeyKind::kClient, {}};
  if (text == "route") return RateKey{RateKeyKind::kRoute, {}};
  constexpr std::string_view kHeaderPrefix = "header:";
  if (text.starts_with(kHeaderPrefix)) {
    std::string_view name = text.substr(kHeaderPrefix.size());
    bool ok = !name.empty();
    for (char c : name) {
      // RFC 9110 5.1: a field name is a token.
      bool tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
      ok = ok && tchar;
    }
    if (ok) return RateKey{RateKeyKind::kHeader, std::string(name)};
    set_error(error, "'header:' needs a field name, e.g. header:X-Api-Key");
    return std::nullopt;
  }
  set_error(error, "expected \"client\", \"route\" or \"header:NAME\"");
  return std::nullopt;
}

std::string RateKey::to_string() const {
  switch (kind) {
    case RateKeyKind::kClient: return "client";
    case RateKeyKind::kRoute: return "route";
    case RateKeyKind::kHeader: return "header:" + header;
  }
  return "client";
}

// ---- TokenBucket ----

int64_t TokenBucket::take(const Rate& rate, uint32_t burst, int64_t now_ms) {
  // Time is scaled by the count so the emission interval (period / count) is an integer.
  const int64_t count = rate.count;
  const int64_t interval = rate.period_ms;
  const int64_t now = now_ms * count;
  const int64_t tolerance = static_cast<int64_t>(std::max<uint32_t>(burst, 1)) * interval;
  const int64_t next = std::max(tat_, now) + interval;
  if (next - now > tolerance) {
    const int64_t wait = next - tolerance - now;  // scaled
    return (wait + count - 1) / count;
  }
  tat_ = next;
  return 0;
}

bool TokenBucket::full(const Rate& rate, int64_t now_ms) const {
  return tat_ <= now_ms * static_cast<int64_t>(rate.count);
}

int64_t retry_after_seconds(int64_t retry_after_ms) {
  return std::max<int64_t>(1, (retry_after_ms + 999) / 1000);
}

// ---- RateLimiter ----

// One thread's buckets, most recently used first.
struct RateLimiter::Table {
  struct Entry {
    std::string key;
    TokenBucket bucket;
  };
  std::list<Entry> lru;
  std::unordered_map<std::string_view, std::list<Entry>::iterator, StringHash, std::equal_to<>>
      index;  // views into lru's keys (list nodes never move)
};

RateLimiter::RateLimiter(RateLimit limit, ClockMs clock)
    : limit_(std::move(limit)),
      clock_(clock ? std::move(clock) : ClockMs(&monotonic_ms)),
      tables_([] { return std::make_unique<Table>(); }) {
  limit_.burst = std::max<uint32_t>(limit_.burst, 1);
  limit_.max_keys_per_thread = std::max<size_t>(limit_.max_keys_per_thread, 1);
}

RateLimiter::~RateLimiter() = default;

std::string RateLimiter::key_for(const Request& request, const net::IpAddress& client) const {
  if (limit_.key.kind == RateKeyKind::kRoute) return {};
  if (limit_.key.kind == RateKeyKind::kHeader) {
    std::string_view value = request.header(limit_.key.header);
    if (!value.empty()) {
      // "h" + value: never equal to a client key ("4"/"6" + address bytes) below.
      std::string key = "h";
      if (value.size() <= kMaxKeyBytes) {
        key += value;
      } else {
        key += value.substr(0, kMaxKeyBytes);
        key += std::to_string(std::hash<std::string_view>{}(value));
      }
      return key;
    }
    // Without the field a client would escape the limit by leaving it out: count it per address.
  }
  std::string key(client.is_ipv4() ? "4" : "6");
  for (uint64_t half : {client.hi(), client.lo()}) {
    for (int shift = 56; shift >= 0; shift -= 8) key += static_cast<char>((half >> shift) & 0xff);
  }
  return key;
}

RateDecision RateLimiter::check(std::string_view key) {
  Table& t = tables_.local();
  const int64_t now = clock_();
  auto it = t.index.find(key);
  if (it != t.index.end()) {
    t.lru.splice(t.lru.begin(), t.lru, it->second);  // most recently used first
  } else {
    if (t.lru.size() >= limit_.max_keys_per_thread) {
      t.index.erase(t.lru.back().key);
      t.lru.pop_back();
    }
    t.lru.push_front(Table::Entry{std::string(key), TokenBucket()});
    t.index.emplace(t.lru.front().key, t.lru.begin());
  }
  RateDecision d;
  const int64_t wait = t.lru.front().bucket.take(limit_.rate, limit_.burst, now);
  if (wait > 0) {
    d.allowed = false;
    d.retry_after_ms = wait;
    rejected_.fetch_add(1, std::memory_order_relaxed);
  }
  // Forget a few idle keys from the cold end: a full bucket is the same as no entry, so this is
  // exact, and over time the table shrinks to the keys that are actually limited.
  for (int i = 0; i < 2 && t.lru.size() > 1 && t.lru.back().bucket.full(limit_.rate, now); ++i) {
    t.index.erase(t.lru.back().key);
    t.lru.pop_back();
  }
  return d;
}

size_t RateLimiter::local_key_count() const { return tables_.local().lru.size(); }

}  // namespace portico::http
