// DnsResolver: asynchronous name resolution (c-ares) on one EventLoop, with a TTL-bound cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portico/net/event_loop.h"
#include "portico/net/inet_address.h"

namespace portico::proxy {

// Why a name did not resolve. One table (to_string) names them for logs.
enum class DnsError : uint8_t {
  kNone,
  kNotFound,       // NXDOMAIN, or the name has no address of the wanted family
  kTimeout,        // no server answered in time
  kServerFailure,  // no server gave an answer: SERVFAIL, or connection refused
  kRefused,        // REFUSED (c-ares versions that tell it apart; 1.18 says kServerFailure)
  kBadResponse,    // the answer could not be parsed
  kBadName,        // not a valid host name; no query was sent
  kOther,          // out of memory or an unexpected c-ares status
};

std::string_view to_string(DnsError e);

enum class AddressFamily : uint8_t { kAny, kIPv4, kIPv6 };

// Resolver settings. Every duration is in milliseconds; the defaults suit a reverse proxy whose
// upstream names change rarely but must be followed when they do.
struct DnsOptions {
  // Name servers as c-ares CSV ("10.0.0.2,[2001:db8::53]:5353,127.0.0.1:5353"); empty: those of
  // /etc/resolv.conf. Names listed in /etc/hosts are answered from it first either way.
  std::string servers;
  AddressFamily family = AddressFamily::kAny;
  // Per try, per server; c-ares doubles it on each retry round.
  uint32_t query_timeout_ms = 2000;
  uint32_t tries = 2;
  // A record's TTL is clamped into [min_ttl_ms, max_ttl_ms] before it is used: the minimum stops
  // a TTL of 0 (or an /etc/hosts answer, which has none) from re-resolving on every request, the
  // maximum bounds how long a changed name goes unnoticed. Values below 1 ms count as 1 ms;
  // a config should not go below seconds.
  uint32_t min_ttl_ms = 5'000;
  uint32_t max_ttl_ms = 3'600'000;
  // After a failed resolution: how long the failure is cached (so a burst of requests sends one
  // query) and, for watched names, when the next attempt is made. Earlier good addresses keep
  // being answered (marked stale) meanwhile.
  uint32_t failure_retry_ms = 5'000;
  // Cached names; beyond it, idle entries (no watcher, no query in flight) are evicted,
  // expired ones first.
  size_t max_cache_entries = 1024;
  // Apply /etc/resolv.conf's search domains to names with fewer dots than its ndots. Off by
  // default: an upstream name is taken as written (as nginx's resolver does), which avoids a
  // query per search domain for every miss.
  bool search_domains = false;
};

// The result of resolving one name.
struct DnsAnswer {
  DnsError error = DnsError::kNone;         // the outcome of the latest resolution
  std::vector<net::InetAddress> addresses;  // port 0; empty when there is nothing usable
  bool stale = false;      // the latest resolution failed; these are the last good addresses
  int64_t expires_ms = 0;  // loop clock (EventLoop::now_ms) time to re-resolve; 0: never
                           // (an IP literal)

  bool ok() const { return !addresses.empty(); }
  friend bool operator==(const DnsAnswer&, const DnsAnswer&) = default;
};

// Identifies a resolve() or watch() call. 0 is "none"; ids are never reused by a resolver.
struct DnsRequestId {
  uint64_t value = 0;
  explicit operator bool() const { return value != 0; }
  friend bool operator==(DnsRequestId a, DnsRequestId b) { return a.value == b.value; }
};

struct DnsStats {
  uint64_t queries = 0;     // resolutions started with c-ares (each may send several packets)
  uint64_t cache_hits = 0;  // resolve() answered from the cache, including cached failures
  uint64_t failures = 0;    // resolutions that ended in an error
};

// One resolver per loop (worker). Nothing blocks: c-ares's sockets are watched by the loop and
// its timeouts run on loop timers; a name is never handed to getaddrinfo(3).
//
// Callbacks always run later on the loop thread, never inside the call that registers them,
// so a caller can register one while in the middle of its own state changes. A callback may
// call any method, including cancel(), and may destroy the resolver.
//
// Loop thread only. Destroying the resolver cancels every request without calling back.
class DnsResolver {
 public:
  using Callback = std::function<void(const DnsAnswer&)>;

  // Throws std::runtime_error when c-ares cannot be initialised or `options.servers` is not
  // a valid server list (start-up errors).
  explicit DnsResolver(net::EventLoop* loop, DnsOptions options = {});
  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  // Resolves `host` once: a host name, an IPv4 literal or an IPv6 literal (brackets allowed),
  // answered without a query when it is a literal or cached and not expired. Names compare
  // case-insensitively; one trailing dot is ignored. Concurrent resolutions of one name share
  // one query. A failed resolution answers the last good addresses, if any, marked stale.
  DnsRequestId resolve(std::string_view host, Callback done);

  // Keeps `host` resolved: resolves it now and again whenever its TTL expires (or
  // failure_retry_ms after a failure), calling on_update with the first answer and then
  // whenever the answer's addresses or error change. For the life of the watch.
  DnsRequestId watch(std::string_view host, Callback on_update);

  // Ends a resolve() or watch(); its callback does not run afterwards. Unknown ids are ignored.
  void cancel(DnsRequestId id);

  // The cached answer if `host` is a literal or is cached and not expired; never queries.
  // Returns false otherwise.
  bool lookup_cached(std::string_view host, DnsAnswer& out) const;

  size_t cache_size() const;
  const DnsStats& stats() const;
  const DnsOptions& options() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portico::proxy
