// ClientSessionCache: per-name session lists with expiry, single use for TLS 1.3 tickets.
#include "tls/client_session_cache.h"

namespace portico::tls {
namespace {

bool expired(const SSL_SESSION* s, int64_t now_unix) {
  int64_t start = static_cast<int64_t>(SSL_SESSION_get_time(s));
  int64_t lifetime = static_cast<int64_t>(SSL_SESSION_get_timeout(s));
  return now_unix >= start + lifetime;
}

}  // namespace

void ClientSessionCache::put(const std::string& name, UniqueSslSession session) {
  if (!session || SSL_SESSION_is_resumable(session.get()) != 1) return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    if (by_name_.size() >= max_names_) {
      auto oldest = by_name_.find(order_.front());
      count_ -= oldest->second.sessions.size();
      by_name_.erase(oldest);
      order_.pop_front();
    }
    order_.push_back(name);
    it = by_name_.emplace(name, Entry{{}, std::prev(order_.end())}).first;
  } else {
    order_.splice(order_.end(), order_, it->second.order);
  }
  Entry& entry = it->second;
  entry.sessions.push_back(std::move(session));
  ++count_;
  if (entry.sessions.size() > kSessionsPerName) {
    entry.sessions.pop_front();
    --count_;
  }
}

UniqueSslSession ClientSessionCache::take(const std::string& name, int64_t now_unix) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return nullptr;
  Entry& entry = it->second;
  UniqueSslSession out;
  while (!entry.sessions.empty()) {
    SSL_SESSION* newest = entry.sessions.back().get();
    // OpenSSL marks a TLS 1.3 session used by a handshake as no longer resumable.
    if (expired(newest, now_unix) || SSL_SESSION_is_resumable(newest) != 1) {
      entry.sessions.pop_back();
      --count_;
      continue;
    }
    if (SSL_SESSION_get_protocol_version(newest) >= TLS1_3_VERSION) {
      out = std::move(entry.sessions.back());
      entry.sessions.pop_back();
      --count_;
    } else {
      SSL_SESSION_up_ref(newest);
      out.reset(newest);
    }
    break;
  }
  if (entry.sessions.empty()) {
    order_.erase(entry.order);
    by_name_.erase(it);
  }
  return out;
}

size_t ClientSessionCache::sessions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return count_;
}

size_t ClientSessionCache::names() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return by_name_.size();
}

}  // namespace portico::tls
