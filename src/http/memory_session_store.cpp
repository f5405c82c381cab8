// MemorySessionStore: sessions in this process, sharded maps with LRU order and expiry.
#include <algorithm>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "portico/http/session.h"

namespace portico::http {
namespace {

constexpr size_t kShards = 16;
// put() drops at most this many expired sessions from the LRU tail: bounded work per request,
// and the idlest sessions are the first to expire.
constexpr size_t kReapPerPut = 4;

bool expired(const SessionData& d, const SessionTimeouts& t, int64_t now_ms) {
  return now_ms - d.last_seen_ms >= t.idle_ms || now_ms - d.created_ms >= t.absolute_ms;
}

}  // namespace

struct MemorySessionStore::Shard {
  struct Entry {
    SessionData data;
    std::list<std::string>::iterator lru;
  };
  mutable std::mutex mu;
  std::unordered_map<std::string, Entry> entries;
  std::list<std::string> lru;  // most recently used first

  void remove(std::unordered_map<std::string, Entry>::iterator it) {
    lru.erase(it->second.lru);
    entries.erase(it);
  }
};

MemorySessionStore::MemorySessionStore() : MemorySessionStore(Options{}) {}

MemorySessionStore::MemorySessionStore(Options options)
    : options_(options), shards_(std::make_unique<Shard[]>(kShards)) {}

MemorySessionStore::~MemorySessionStore() = default;

MemorySessionStore::Shard& MemorySessionStore::shard_for(std::string_view id) const {
  return shards_[std::hash<std::string_view>{}(id) % kShards];
}

std::optional<SessionData> MemorySessionStore::get(std::string_view id, int64_t now_ms) {
  Shard& s = shard_for(id);
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(std::string(id));
  if (it == s.entries.end()) return std::nullopt;
  if (expired(it->second.data, options_.timeouts, now_ms)) {
    s.remove(it);
    return std::nullopt;
  }
  SessionData seen = it->second.data;  // as it was: last_seen_ms is the previous visit
  it->second.data.last_seen_ms = now_ms;
  s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
  return seen;
}

void MemorySessionStore::put(std::string_view id, const SessionData& data, int64_t now_ms) {
  Shard& s = shard_for(id);
  const size_t cap = std::max<size_t>(1, options_.max_sessions / kShards);
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(std::string(id));
  if (it != s.entries.end()) {
    it->second.data = data;
    s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
  } else {
    for (size_t i = 0; i < kReapPerPut && !s.lru.empty(); ++i) {
      auto tail = s.entries.find(s.lru.back());
      if (!expired(tail->second.data, options_.timeouts, now_ms)) break;
      s.remove(tail);
    }
    if (s.entries.size() >= cap) s.remove(s.entries.find(s.lru.back()));
    s.lru.emplace_front(id);
    s.entries.emplace(s.lru.front(), Shard::Entry{data, s.lru.begin()});
  }
}

void MemorySessionStore::erase(std::string_view id) {
  Shard& s = shard_for(id);
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(std::string(id));
  if (it != s.entries.end()) s.remove(it);
}

size_t MemorySessionStore::expire(int64_t now_ms) {
  size_t removed = 0;
  for (size_t i = 0; i < kShards; ++i) {
    Shard& s = shards_[i];
    std::lock_guard lock(s.mu);
    for (auto it = s.entries.begin(); it != s.entries.end();) {
      if (expired(it->second.data, options_.timeouts, now_ms)) {
        s.lru.erase(it->second.lru);
        it = s.entries.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
  }
  return removed;
}

size_t MemorySessionStore::size() const {
  size_t n = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    n += shards_[i].entries.size();
  }
  return n;
}

}  // namespace portico::http
