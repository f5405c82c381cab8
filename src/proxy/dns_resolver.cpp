// DnsResolver: the TTL cache, shared queries, watches and deferred callbacks over AresChannel.
#include "portico/proxy/dns_resolver.h"

#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <utility>

#include "proxy/ares_channel.h"

namespace portico::proxy {

std::string_view to_string(DnsError e) {
  switch (e) {
    case DnsError::kNone: return "ok";
    case DnsError::kNotFound: return "name not found";
    case DnsError::kTimeout: return "dns timeout";
    case DnsError::kServerFailure: return "dns server failure";
    case DnsError::kRefused: return "dns query refused";
    case DnsError::kBadResponse: return "malformed dns response";
    case DnsError::kBadName: return "invalid host name";
    case DnsError::kOther: return "dns error";
  }
  return "dns error";
}

namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// RFC 1035 2.3.4 / RFC 1123 2.1: at most 253 characters (without the root dot), labels of 1 to
// 63 characters. Letters, digits and '-' per label; '_' is accepted too because internal names
// (service records, container hosts) use it and resolvers pass it through.
bool is_valid_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label != 0;
}

bool family_allows(AddressFamily family, const net::InetAddress& a) {
  switch (family) {
    case AddressFamily::kIPv4: return !a.is_ipv6();
    case AddressFamily::kIPv6: return a.is_ipv6();
    case AddressFamily::kAny: break;
  }
  return true;
}

}  // namespace

class DnsResolver::Impl {
 public:
  Impl(net::EventLoop* loop, DnsOptions options)
      : loop_(loop), options_(std::move(options)), ares_(loop, options_) {
    // A zero TTL floor or retry interval would re-query a watched name on every iteration.
    options_.min_ttl_ms = std::max<uint32_t>(options_.min_ttl_ms, 1);
    options_.failure_retry_ms = std::max<uint32_t>(options_.failure_retry_ms, 1);
    if (options_.max_ttl_ms < options_.min_ttl_ms) options_.max_ttl_ms = options_.min_ttl_ms;
  }

  ~Impl() {
    loop_->cancel(dispatch_timer_);
    for (auto& [name, entry] : cache_) loop_->cancel(entry.refresh_timer);
  }

  DnsRequestId resolve(std::string_view host, Callback done, bool watch);
  void cancel(DnsRequestId id);
  bool lookup_cached(std::string_view host, DnsAnswer& out) const;

  size_t cache_size() const { return cache_.size(); }
  const DnsStats& stats() const { return stats_; }
  const DnsOptions& options() const { return options_; }

 private:
  struct Entry {
    DnsAnswer answer;
    bool answered = false;           // answer holds a resolution (good or failed)
    bool in_flight = false;          // a c-ares query is running
    std::vector<uint64_t> waiters;   // resolve() ids waiting for the query
    std::vector<uint64_t> watchers;  // watch() ids
    net::TimerId refresh_timer;
  };
  struct Request {
    std::string key;  // cache key; empty for literals and invalid names (not in the cache)
    Callback callback;
    bool watch = false;
    bool notified = false;  // watch: has been told an answer
    DnsAnswer last;         // watch: the answer it was told last
  };
  struct Delivery {
    uint64_t id;
    DnsAnswer answer;
  };

  // The normalized name, or the literal's address. Returns false for an invalid name.
  enum class NameKind { kLiteral, kName, kInvalid };
  static NameKind classify(std::string_view host, std::string& key, net::InetAddress& literal);
  bool fresh(const Entry& e) const { return e.answered && loop_->now_ms() < e.answer.expires_ms; }

  void start_query(const std::string& key, Entry& entry);
  void on_resolved(const std::string& key, detail::AresResult result);
  void schedule_refresh(const std::string& key, Entry& entry);
  void on_refresh(const std::string& key);
  void notify_watchers(Entry& entry);
  void deliver(uint64_t id, DnsAnswer answer);
  void dispatch();
  void evict_if_over(const std::string& keep);
  int64_t clamp_ttl_ms(int64_t ttl_seconds) const {
    const int64_t ms = ttl_seconds > INT64_MAX / 1000 ? INT64_MAX : ttl_seconds * 1000;
    return std::clamp<int64_t>(ms, options_.min_ttl_ms, options_.max_ttl_ms);
  }

  net::EventLoop* const loop_;
  DnsOptions options_;
  detail::AresChannel ares_;
  std::unordered_map<std::string, Entry> cache_;
  std::unordered_map<uint64_t, Request> requests_;
  std::vector<Delivery> pending_;
  net::TimerId dispatch_timer_;
  uint64_t next_id_ = 1;
  DnsStats stats_;
  // Checked after each user callback: a callback may destroy the resolver.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

DnsResolver::Impl::NameKind DnsResolver::Impl::classify(std::string_view host, std::string& key,
                                                        net::InetAddress& literal) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    auto a = net::InetAddress::from_host_port(host, 0);
    if (!a || !a->is_ipv6()) return NameKind::kInvalid;
    literal = *a;
    return NameKind::kLiteral;
  }
  if (auto a = net::InetAddress::from_host_port(host, 0)) {
    literal = *a;
    return NameKind::kLiteral;
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  key.assign(host);
  std::transform(key.begin(), key.end(), key.begin(), ascii_lower);
  return is_valid_host_name(key) ? NameKind::kName : NameKind::kInvalid;
}

DnsRequestId DnsResolver::Impl::resolve(std::string_view host, Callback done, bool watch) {
  const uint64_t id = next_id_++;
  std::string key;
  net::InetAddress literal;
  const NameKind kind = classify(host, key, literal);
  Request& req = requests_[id];
  req.callback = std::move(done);
  req.watch = watch;
  if (kind != NameKind::kName) {
    // Answered without a query and never re-resolved; a watch on it stays registered but
    // has nothing more to say.
    DnsAnswer a;
    if (kind == NameKind::kLiteral && family_allows(options_.family, literal)) {
      a.addresses.push_back(literal);
    } else {
      a.error = kind == NameKind::kLiteral ? DnsError::kNotFound : DnsError::kBadName;
    }
    deliver(id, std::move(a));
    return DnsRequestId{id};
  }
  req.key = key;
  Entry& entry = cache_[key];
  if (watch) {
    entry.watchers.push_back(id);
    if (entry.answered) {
      deliver(id, entry.answer);
      requests_[id].notified = true;
      requests_[id].last = entry.answer;
    }
    if (fresh(entry)) {
      schedule_refresh(key, entry);
    } else if (!entry.in_flight) {
      start_query(key, entry);
    }
    evict_if_over(key);
    return DnsRequestId{id};
  }
  if (fresh(entry)) {
    ++stats_.cache_hits;
    deliver(id, entry.answer);
    return DnsRequestId{id};
  }
  entry.waiters.push_back(id);
  if (!entry.in_flight) start_query(key, entry);
  evict_if_over(key);
  return DnsRequestId{id};
}

void DnsResolver::Impl::start_query(const std::string& key, Entry& entry) {
  entry.in_flight = true;
  ++stats_.queries;
  // May complete before it returns (/etc/hosts): on_resolved only records and defers.
  ares_.getaddrinfo(key, options_.family,
                    [this, key](detail::AresResult r) { on_resolved(key, std::move(r)); });
}

void DnsResolver::Impl::on_resolved(const std::string& key, detail::AresResult result) {
  auto it = cache_.find(key);
  if (it == cache_.end()) return;  // not evicted while in flight, but be safe
  Entry& e = it->second;
  e.in_flight = false;
  const int64_t now = loop_->now_ms();
  if (result.error == DnsError::kNone) {
    e.answer = DnsAnswer{DnsError::kNone, std::move(result.addresses), false,
                         now + clamp_ttl_ms(result.ttl_seconds)};
  } else {
    ++stats_.failures;
    // Keep the last good addresses: a resolver outage must not take the upstreams down.
    const bool had_good = e.answered && e.answer.ok();
    DnsAnswer a;
    a.error = result.error;
    if (had_good) a.addresses = std::move(e.answer.addresses);
    a.stale = had_good;
    a.expires_ms = now + options_.failure_retry_ms;
    e.answer = std::move(a);
  }
  e.answered = true;
  for (uint64_t id : std::exchange(e.waiters, {})) deliver(id, e.answer);
  notify_watchers(e);
  if (!e.watchers.empty()) schedule_refresh(key, e);
  evict_if_over(key);
}

void DnsResolver::Impl::notify_watchers(Entry& entry) {
  for (uint64_t id : entry.watchers) {
    auto it = requests_.find(id);
    if (it == requests_.end()) continue;
    Request& w = it->second;
    // Only a change is news; expiry times move on every refresh and are not compared.
    if (w.notified && w.last.error == entry.answer.error &&
        w.last.addresses == entry.answer.addresses && w.last.stale == entry.answer.stale) {
      continue;
    }
    w.notified = true;
    w.last = entry.answer;
    deliver(id, entry.answer);
  }
}

void DnsResolver::Impl::schedule_refresh(const std::string& key, Entry& entry) {
  if (entry.refresh_timer && loop_->timer_pending(entry.refresh_timer)) return;
  const int64_t delay = std::max<int64_t>(entry.answer.expires_ms - loop_->now_ms(), 0);
  entry.refresh_timer =
      loop_->run_after(std::chrono::milliseconds(delay), [this, key] { on_refresh(key); });
}

void DnsResolver::Impl::on_refresh(const std::string& key) {
  auto it = cache_.find(key);
  if (it == cache_.end()) return;
  Entry& e = it->second;
  e.refresh_timer = net::TimerId{};
  if (e.watchers.empty() || e.in_flight) return;
  start_query(key, e);
}

void DnsResolver::Impl::cancel(DnsRequestId id) {
  auto it = requests_.find(id.value);
  if (it == requests_.end()) return;
  const std::string key = std::move(it->second.key);
  requests_.erase(it);
  if (key.empty()) return;
  auto e = cache_.find(key);
  if (e == cache_.end()) return;
  std::erase(e->second.waiters, id.value);
  std::erase(e->second.watchers, id.value);
  if (e->second.watchers.empty()) {
    loop_->cancel(e->second.refresh_timer);
    e->second.refresh_timer = net::TimerId{};
  }
}

bool DnsResolver::Impl::lookup_cached(std::string_view host, DnsAnswer& out) const {
  std::string key;
  net::InetAddress literal;
  switch (classify(host, key, literal)) {
    case NameKind::kInvalid: return false;
    case NameKind::kLiteral:
      if (!family_allows(options_.family, literal)) return false;
      out = DnsAnswer{DnsError::kNone, {literal}, false, 0};
      return true;
    case NameKind::kName: break;
  }
  auto it = cache_.find(key);
  if (it == cache_.end() || !fresh(it->second)) return false;
  out = it->second.answer;
  return true;
}

void DnsResolver::Impl::deliver(uint64_t id, DnsAnswer answer) {
  pending_.push_back(Delivery{id, std::move(answer)});
  if (!dispatch_timer_) {
    dispatch_timer_ = loop_->run_after(std::chrono::milliseconds(0), [this] { dispatch(); });
  }
}

void DnsResolver::Impl::dispatch() {
  dispatch_timer_ = net::TimerId{};
  std::vector<Delivery> batch = std::exchange(pending_, {});
  const std::weak_ptr<bool> alive = alive_;
  for (Delivery& d : batch) {
    auto it = requests_.find(d.id);
    if (it == requests_.end()) continue;  // cancelled meanwhile
    Callback cb;
    if (it->second.watch) {
      cb = it->second.callback;  // a copy: the callback may cancel its own watch
    } else {
      cb = std::move(it->second.callback);
      requests_.erase(it);
    }
    if (cb) cb(d.answer);
    if (alive.expired()) return;
  }
}

void DnsResolver::Impl::evict_if_over(const std::string& keep) {
  if (cache_.size() <= options_.max_cache_entries) return;
  auto idle = [&](const auto& kv) {
    const Entry& e = kv.second;
    return kv.first != keep && !e.in_flight && e.waiters.empty() && e.watchers.empty();
  };
  for (auto it = cache_.begin();
       it != cache_.end() && cache_.size() > options_.max_cache_entries;) {
    it = idle(*it) && !fresh(it->second) ? cache_.erase(it) : std::next(it);
  }
  for (auto it = cache_.begin();
       it != cache_.end() && cache_.size() > options_.max_cache_entries;) {
    it = idle(*it) ? cache_.erase(it) : std::next(it);
  }
}

DnsResolver::DnsResolver(net::EventLoop* loop, DnsOptions options)
    : impl_(std::make_unique<Impl>(loop, std::move(options))) {}

DnsResolver::~DnsResolver() = default;

DnsRequestId DnsResolver::resolve(std::string_view host, Callback done) {
  return impl_->resolve(host, std::move(done), false);
}

DnsRequestId DnsResolver::watch(std::string_view host, Callback on_update) {
  return impl_->resolve(host, std::move(on_update), true);
}

void DnsResolver::cancel(DnsRequestId id) { impl_->cancel(id); }

bool DnsResolver::lookup_cached(std::string_view host, DnsAnswer& out) const {
  return impl_->lookup_cached(host, out);
}

size_t DnsResolver::cache_size() const { return impl_->cache_size(); }
const DnsStats& DnsResolver::stats() const { return impl_->stats(); }
const DnsOptions& DnsResolver::options() const { return impl_->options(); }

}  // namespace portico::proxy
