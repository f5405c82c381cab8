// Per-client count of failed logins in a fixed window, bounded by dropping the least recent.
#include <list>
#include <string>
#include <unordered_map>

#include "portico/http/basic_auth.h"

namespace portico::http {

struct FailedAttemptLimiter::Table {
  struct Entry {
    int64_t window_start_ms = 0;
    uint32_t failures = 0;
    std::list<std::string>::iterator lru;
  };
  std::unordered_map<std::string, Entry> entries;
  std::list<std::string> lru;  // most recently failed first
};

FailedAttemptLimiter::FailedAttemptLimiter(AttemptLimits limits)
    : limits_(limits), table_(std::make_unique<Table>()) {}
FailedAttemptLimiter::~FailedAttemptLimiter() = default;
FailedAttemptLimiter::FailedAttemptLimiter(FailedAttemptLimiter&&) noexcept = default;
FailedAttemptLimiter& FailedAttemptLimiter::operator=(FailedAttemptLimiter&&) noexcept = default;

int64_t FailedAttemptLimiter::blocked_for_ms(std::string_view client, int64_t now_ms) const {
  if (limits_.max_failures == 0) return 0;
  auto it = table_->entries.find(std::string(client));
  if (it == table_->entries.end()) return 0;
  const auto& e = it->second;
  const int64_t window_end = e.window_start_ms + limits_.window_ms;
  if (now_ms >= window_end || e.failures < limits_.max_failures) return 0;
  return window_end - now_ms;
}

void FailedAttemptLimiter::record_failure(std::string_view client, int64_t now_ms) {
  if (limits_.max_failures == 0 || limits_.max_clients == 0) return;
  auto& t = *table_;
  auto it = t.entries.find(std::string(client));
  if (it == t.entries.end()) {
    // Full: forget the client that failed least recently. An attacker with many addresses can
    // push others out, but each of its addresses is still limited.
    if (t.entries.size() >= limits_.max_clients) {
      t.entries.erase(t.lru.back());
      t.lru.pop_back();
    }
    t.lru.emplace_front(client);
    it = t.entries.emplace(t.lru.front(), Table::Entry{now_ms, 0, t.lru.begin()}).first;
  } else {
    t.lru.splice(t.lru.begin(), t.lru, it->second.lru);
  }
  auto& e = it->second;
  if (now_ms >= e.window_start_ms + limits_.window_ms) {
    e.window_start_ms = now_ms;
    e.failures = 0;
  }
  if (e.failures < UINT32_MAX) ++e.failures;
}

void FailedAttemptLimiter::record_success(std::string_view client) {
  auto it = table_->entries.find(std::string(client));
  if (it == table_->entries.end()) return;
  table_->lru.erase(it->second.lru);
  table_->entries.erase(it);
}

size_t FailedAttemptLimiter::size() const { return table_->entries.size(); }

}  // namespace portico::http
