// Tests for DnsResolver against a fake DNS server on 127.0.0.1: answers, TTL cache and clamps,
// re-resolution, failures keeping good addresses, timeouts, literals, hosts file, lifetimes.
#include "portico/proxy/dns_resolver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "portico/net/event_loop.h"
#include "unit/proxy/fake_dns_server.h"

namespace portico::proxy {
namespace {

using testing::FakeDnsServer;
using Zone = FakeDnsServer::Zone;

// Upper bound for any wait: reaching it means the behaviour under test is broken.
constexpr std::chrono::milliseconds kSafety{10000};

std::set<std::string> hosts(const DnsAnswer& a) {
  std::set<std::string> s;
  for (const auto& addr : a.addresses) s.insert(addr.host_string());
  return s;
}

class DnsResolverTest : public ::testing::Test {
 protected:
  DnsOptions options() {
    DnsOptions o;
    o.servers = dns_.servers();
    o.query_timeout_ms = 2000;  // generous: a loaded machine must not turn answers into timeouts
    o.tries = 1;
    return o;
  }

  // Runs the loop until `done` is true (checked every millisecond) or the safety timeout.
  template <typename Pred>
  bool run_until(Pred done) {
    bool timed_out = false;
    auto check = loop_.run_every(std::chrono::milliseconds(1), [&] {
      if (done()) loop_.quit();
    });
    auto safety = loop_.run_after(kSafety, [&] {
      timed_out = true;
      loop_.quit();
    });
    if (!done()) loop_.run();
    loop_.cancel(check);
    loop_.cancel(safety);
    return !timed_out;
  }

  // Resolves once and waits for the answer.
  DnsAnswer resolve(DnsResolver& r, std::string_view host) {
    std::optional<DnsAnswer> got;
    r.resolve(host, [&](const DnsAnswer& a) { got = a; });
    EXPECT_TRUE(run_until([&] { return got.has_value(); })) << host;
    return got.value_or(DnsAnswer{});
  }

  FakeDnsServer dns_;
  net::EventLoop loop_;
};

TEST_F(DnsResolverTest, ResolvesARecordsAndAppliesTheirTtl) {
  dns_.set_zone("a.test", Zone{{{"10.0.0.1", 300}, {"10.0.0.2", 300}}});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  DnsResolver r(&loop_, o);
  const DnsAnswer a = resolve(r, "a.test");
  EXPECT_EQ(a.error, DnsError::kNone);
  EXPECT_FALSE(a.stale);
  EXPECT_EQ(hosts(a), (std::set<std::string>{"10.0.0.1", "10.0.0.2"}));
  for (const auto& addr : a.addresses) EXPECT_EQ(addr.port(), 0);
  // The answer expires 300 s after it arrived (the loop clock is sampled per iteration).
  EXPECT_GT(a.expires_ms - loop_.now_ms(), 290'000);
  EXPECT_LE(a.expires_ms - loop_.now_ms(), 300'000);
}

TEST_F(DnsResolverTest, ResolvesBothFamiliesAndUsesTheSmallestTtl) {
  dns_.set_zone("dual.test", Zone{{{"10.0.0.1", 600}, {"2001:db8::1", 120}}});
  DnsResolver r(&loop_, options());
  const DnsAnswer a = resolve(r, "dual.test");
  EXPECT_EQ(a.error, DnsError::kNone);
  EXPECT_EQ(hosts(a), (std::set<std::string>{"10.0.0.1", "2001:db8::1"}));
  EXPECT_LE(a.expires_ms - loop_.now_ms(), 120'000);
  EXPECT_GT(a.expires_ms - loop_.now_ms(), 110'000);
}

TEST_F(DnsResolverTest, AskedForIPv6OnlyReturnsOnlyAaaaRecords) {
  dns_.set_zone("dual.test", Zone{{{"10.0.0.1", 600}, {"2001:db8::1", 600}}});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv6;
  DnsResolver r(&loop_, o);
  EXPECT_EQ(hosts(resolve(r, "dual.test")), (std::set<std::string>{"2001:db8::1"}));
}

// c-ares reads a TCP answer's length prefix and its body in separate calls: when both arrive
// at once, the body is already in the socket and an edge-triggered loop sees no new edge for
// it. Both deliveries must work on both backends.
TEST_F(DnsResolverTest, RetriesATruncatedAnswerOverTcp) {
  for (bool pieces : {false, true}) {
    for (net::Backend backend : {net::Backend::kEpoll, net::Backend::kPoll}) {
      SCOPED_TRACE(std::string(pieces ? "in pieces, " : "whole, ") +
                   net::EventLoop::backend_name(backend));
      Zone z{{{"10.0.0.1", 300}, {"10.0.0.2", 300}, {"2001:db8::1", 300}}};
      z.truncate = true;
      z.tcp_in_pieces = pieces;
      dns_.set_zone("big.test", z);
      net::EventLoop loop(backend);
      DnsOptions o = options();
      o.query_timeout_ms = 2000;  // a stall would surface as a timeout
      DnsResolver r(&loop, o);
      std::optional<DnsAnswer> got;
      r.resolve("big.test", [&](const DnsAnswer& a) {
        got = a;
        loop.quit();
      });
      loop.run_after(kSafety, [&] { loop.quit(); });
      const int tcp_before = dns_.tcp_queries();
      loop.run();
      ASSERT_TRUE(got.has_value());
      EXPECT_EQ(got->error, DnsError::kNone) << to_string(got->error);
      EXPECT_EQ(hosts(*got), (std::set<std::string>{"10.0.0.1", "10.0.0.2", "2001:db8::1"}));
      EXPECT_GE(dns_.tcp_queries(), tcp_before + 1);
    }
  }
}

TEST_F(DnsResolverTest, ClampsTtlIntoTheConfiguredRange) {
  dns_.set_zone("zero.test", Zone{{{"10.0.0.1", 0}}});
  dns_.set_zone("long.test", Zone{{{"10.0.0.2", 86400 * 7}}});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  o.min_ttl_ms = 30'000;
  o.max_ttl_ms = 60'000;
  DnsResolver r(&loop_, o);
  const DnsAnswer zero = resolve(r, "zero.test");
  EXPECT_GT(zero.expires_ms - loop_.now_ms(), 20'000);
  EXPECT_LE(zero.expires_ms - loop_.now_ms(), 30'000);
  const DnsAnswer lng = resolve(r, "long.test");
  EXPECT_GT(lng.expires_ms - loop_.now_ms(), 50'000);
  EXPECT_LE(lng.expires_ms - loop_.now_ms(), 60'000);
}

TEST_F(DnsResolverTest, AnswersFromTheCacheUntilTheTtlExpires) {
  dns_.set_zone("a.test", Zone{{{"10.0.0.1", 300}}});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  DnsResolver r(&loop_, o);
  resolve(r, "a.test");
  const int after_first = dns_.queries("a.test");
  EXPECT_GE(after_first, 1);
  const DnsAnswer again = resolve(r, "a.test");
  EXPECT_EQ(hosts(again), (std::set<std::string>{"10.0.0.1"}));
  EXPECT_EQ(dns_.queries("a.test"), after_first);
  EXPECT_EQ(r.stats().queries, 1u);
  EXPECT_EQ(r.stats().cache_hits, 1u);
  DnsAnswer cached;
  EXPECT_TRUE(r.lookup_cached("a.test", cached));
  EXPECT_EQ(cached, again);
}

TEST_F(DnsResolverTest, NamesCompareCaseInsensitivelyAndIgnoreOneTrailingDot) {
  dns_.set_zone("a.test", Zone{{{"10.0.0.1", 300}}});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  DnsResolver r(&loop_, o);
  resolve(r, "A.Test.");
  resolve(r, "a.test");
  EXPECT_EQ(r.stats().queries, 1u);
  EXPECT_EQ(r.cache_size(), 1u);
}

TEST_F(DnsResolverTest, ConcurrentResolvesOfOneNameShareOneQuery) {
  dns_.set_zone("a.test", Zone{{{"10.0.0.1", 300}}});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  DnsResolver r(&loop_, o);
  int answered = 0;
  for (int i = 0; i < 5; ++i) {
    r.resolve("a.test", [&](const DnsAnswer& a) {
      EXPECT_EQ(hosts(a), (std::set<std::string>{"10.0.0.1"}));
      ++answered;
    });
  }
  ASSERT_TRUE(run_until([&] { return answered == 5; }));
  EXPECT_EQ(r.stats().queries, 1u);
  EXPECT_EQ(dns_.queries("a.test"), 1);
}

TEST_F(DnsResolverTest, WatchReResolvesWhenTheTtlExpiresAndReportsTheChange) {
  dns_.set_zone("w.test", Zone{{{"10.0.0.1", 1}}});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  o.min_ttl_ms = 20;
  o.max_ttl_ms = 20;
  DnsResolver r(&loop_, o);
  std::vector<DnsAnswer> updates;
  r.watch("w.test", [&](const DnsAnswer& a) { updates.push_back(a); });
  ASSERT_TRUE(run_until([&] { return updates.size() == 1; }));
  EXPECT_EQ(hosts(updates[0]), (std::set<std::string>{"10.0.0.1"}));
  // Re-resolutions with the same answer are not reported...
  ASSERT_TRUE(run_until([&] { return dns_.queries("w.test") >= 3; }));
  EXPECT_EQ(updates.size(), 1u);
  // ...a changed one is.
  dns_.set_zone("w.test", Zone{{{"10.0.0.9", 1}}});
  ASSERT_TRUE(run_until([&] { return updates.size() == 2; }));
  EXPECT_EQ(hosts(updates[1]), (std::set<std::string>{"10.0.0.9"}));
  EXPECT_FALSE(updates[1].stale);
}

TEST_F(DnsResolverTest, FailedReResolutionKeepsTheLastGoodAddresses) {
  dns_.set_zone("w.test", Zone{{{"10.0.0.1", 1}}});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  o.min_ttl_ms = 20;
  o.max_ttl_ms = 20;
  o.failure_retry_ms = 20;
  DnsResolver r(&loop_, o);
  std::vector<DnsAnswer> updates;
  r.watch("w.test", [&](const DnsAnswer& a) { updates.push_back(a); });
  ASSERT_TRUE(run_until([&] { return updates.size() == 1; }));
  dns_.set_zone("w.test", Zone{{}, 2});  // SERVFAIL from now on
  ASSERT_TRUE(run_until([&] { return updates.size() == 2; }));
  EXPECT_EQ(updates[1].error, DnsError::kServerFailure);
  EXPECT_TRUE(updates[1].stale);
  EXPECT_EQ(hosts(updates[1]), (std::set<std::string>{"10.0.0.1"}));
  // A one-shot resolve during the outage gets the same stale addresses.
  const DnsAnswer a = resolve(r, "w.test");
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(a.stale);
  // Recovery is reported too.
  dns_.set_zone("w.test", Zone{{{"10.0.0.1", 1}}});
  ASSERT_TRUE(run_until([&] { return updates.size() == 3; }));
  EXPECT_EQ(updates[2].error, DnsError::kNone);
  EXPECT_FALSE(updates[2].stale);
}

TEST_F(DnsResolverTest, ReportsNxdomainAsNotFound) {
  DnsResolver r(&loop_, options());
  const DnsAnswer a = resolve(r, "missing.test");
  EXPECT_EQ(a.error, DnsError::kNotFound);
  EXPECT_FALSE(a.ok());
  EXPECT_FALSE(a.stale);
  EXPECT_EQ(r.stats().failures, 1u);
}

TEST_F(DnsResolverTest, ReportsServfailAndRefusedAsServerFailures) {
  dns_.set_zone("fail.test", Zone{{}, 2});
  dns_.set_zone("refused.test", Zone{{}, 5});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  DnsResolver r(&loop_, o);
  EXPECT_EQ(resolve(r, "fail.test").error, DnsError::kServerFailure);
  const DnsError refused = resolve(r, "refused.test").error;
  EXPECT_TRUE(refused == DnsError::kRefused || refused == DnsError::kServerFailure);
}

TEST_F(DnsResolverTest, NameWithoutAddressesOfTheWantedFamilyIsNotFound) {
  dns_.set_zone("v6only.test", Zone{{{"2001:db8::1", 60}}});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  DnsResolver r(&loop_, o);
  EXPECT_EQ(resolve(r, "v6only.test").error, DnsError::kNotFound);
}

TEST_F(DnsResolverTest, SilentServerTimesOut) {
  dns_.set_zone("slow.test", Zone{{}, 0, true});
  DnsOptions o = options();
  o.query_timeout_ms = 50;
  DnsResolver r(&loop_, o);
  const DnsAnswer a = resolve(r, "slow.test");
  EXPECT_EQ(a.error, DnsError::kTimeout);
  EXPECT_GE(dns_.queries("slow.test"), 1);
}

TEST_F(DnsResolverTest, CachesAFailureForTheRetryInterval) {
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  o.failure_retry_ms = 60'000;
  DnsResolver r(&loop_, o);
  resolve(r, "missing.test");
  const int sent = dns_.queries("missing.test");
  EXPECT_EQ(resolve(r, "missing.test").error, DnsError::kNotFound);
  EXPECT_EQ(dns_.queries("missing.test"), sent);
  EXPECT_EQ(r.stats().cache_hits, 1u);
}

TEST_F(DnsResolverTest, AnswersIpLiteralsWithoutAQuery) {
  DnsResolver r(&loop_, options());
  EXPECT_EQ(hosts(resolve(r, "192.0.2.7")), (std::set<std::string>{"192.0.2.7"}));
  EXPECT_EQ(hosts(resolve(r, "2001:db8::7")), (std::set<std::string>{"2001:db8::7"}));
  EXPECT_EQ(hosts(resolve(r, "[::1]")), (std::set<std::string>{"::1"}));
  const DnsAnswer a = resolve(r, "10.1.2.3");
  EXPECT_EQ(a.expires_ms, 0);
  EXPECT_EQ(r.stats().queries, 0u);
  EXPECT_EQ(dns_.queries(), 0);
  EXPECT_EQ(r.cache_size(), 0u);
  DnsAnswer cached;
  EXPECT_TRUE(r.lookup_cached("10.1.2.3", cached));
}

TEST_F(DnsResolverTest, LiteralOfTheOtherFamilyIsNotFound) {
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  DnsResolver r(&loop_, o);
  EXPECT_EQ(resolve(r, "::1").error, DnsError::kNotFound);
}

TEST_F(DnsResolverTest, RejectsInvalidNamesWithoutAQuery) {
  DnsResolver r(&loop_, options());
  const std::string long_label(64, 'a');
  std::string long_name;
  for (int i = 0; i < 64; ++i) long_name += "abc.";
  for (std::string_view bad :
       {std::string_view(""), std::string_view("a..b"), std::string_view(".a"),
        std::string_view("a b.test"), std::string_view("a/b"), std::string_view(long_label),
        std::string_view(long_name), std::string_view("[10.0.0.1]"), std::string_view("[::1"),
        std::string_view("..")}) {
    EXPECT_EQ(resolve(r, bad).error, DnsError::kBadName) << bad;
  }
  EXPECT_EQ(r.stats().queries, 0u);
  EXPECT_EQ(dns_.queries(), 0);
}

TEST_F(DnsResolverTest, ResolvesLocalhostFromTheHostsFileWithoutAQuery) {
  dns_.set_zone("localhost", Zone{{}, 0, true});  // a query would time out
  DnsResolver r(&loop_, options());
  const DnsAnswer a = resolve(r, "localhost");
  ASSERT_TRUE(a.ok()) << to_string(a.error);
  for (const auto& addr : a.addresses) EXPECT_TRUE(addr.is_loopback()) << addr.host_string();
  EXPECT_EQ(dns_.queries(), 0);
}

TEST_F(DnsResolverTest, CallbacksNeverRunInsideResolve) {
  dns_.set_zone("a.test", Zone{{{"10.0.0.1", 300}}});
  DnsResolver r(&loop_, options());
  resolve(r, "a.test");  // now cached
  for (std::string_view host : {"a.test", "127.0.0.1", "localhost", "bad..name"}) {
    bool returned = false;
    bool called = false;
    r.resolve(host, [&](const DnsAnswer&) {
      EXPECT_TRUE(returned) << host;
      called = true;
    });
    returned = true;
    ASSERT_TRUE(run_until([&] { return called; })) << host;
  }
}

TEST_F(DnsResolverTest, CancelledRequestsDoNotCallBack) {
  dns_.set_zone("a.test", Zone{{{"10.0.0.1", 300}}});
  DnsResolver r(&loop_, options());
  bool cancelled_called = false;
  bool other_called = false;
  const DnsRequestId id = r.resolve("a.test", [&](const DnsAnswer&) { cancelled_called = true; });
  r.resolve("a.test", [&](const DnsAnswer&) { other_called = true; });
  r.cancel(id);
  r.cancel(id);              // twice is harmless
  r.cancel(DnsRequestId{});  // so is "none"
  ASSERT_TRUE(run_until([&] { return other_called; }));
  EXPECT_FALSE(cancelled_called);
  // A cancelled literal answer is dropped too.
  const DnsRequestId lit =
      r.resolve("10.0.0.1", [&](const DnsAnswer&) { cancelled_called = true; });
  r.cancel(lit);
  other_called = false;
  r.resolve("10.0.0.2", [&](const DnsAnswer&) { other_called = true; });
  ASSERT_TRUE(run_until([&] { return other_called; }));
  EXPECT_FALSE(cancelled_called);
}

TEST_F(DnsResolverTest, CancellingAWatchStopsReResolution) {
  dns_.set_zone("w.test", Zone{{{"10.0.0.1", 1}}});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  o.min_ttl_ms = 10;
  o.max_ttl_ms = 10;
  DnsResolver r(&loop_, o);
  int updates = 0;
  DnsRequestId id;
  id = r.watch("w.test", [&](const DnsAnswer&) {
    ++updates;
    r.cancel(id);  // from inside its own callback
  });
  ASSERT_TRUE(run_until([&] { return updates == 1; }));
  const int sent = dns_.queries("w.test");
  // Past several TTLs: nothing more is asked or reported.
  bool waited = false;
  loop_.run_after(std::chrono::milliseconds(100), [&] { waited = true; });
  ASSERT_TRUE(run_until([&] { return waited; }));
  EXPECT_EQ(dns_.queries("w.test"), sent);
  EXPECT_EQ(updates, 1);
}

TEST_F(DnsResolverTest, DestroyingTheResolverWithAQueryInFlightCallsNothing) {
  dns_.set_zone("slow.test", Zone{{}, 0, true});
  auto r = std::make_unique<DnsResolver>(&loop_, options());
  bool called = false;
  r->resolve("slow.test", [&](const DnsAnswer&) { called = true; });
  r->watch("slow.test", [&](const DnsAnswer&) { called = true; });
  ASSERT_TRUE(run_until([&] { return dns_.queries("slow.test") >= 1; }));
  r.reset();
  bool waited = false;
  loop_.run_after(std::chrono::milliseconds(20), [&] { waited = true; });
  ASSERT_TRUE(run_until([&] { return waited; }));
  EXPECT_FALSE(called);
  EXPECT_EQ(loop_.pending_timers(), 0u);
}

TEST_F(DnsResolverTest, ACallbackMayDestroyTheResolver) {
  auto r = std::make_unique<DnsResolver>(&loop_, options());
  int calls = 0;
  r->resolve("10.0.0.1", [&](const DnsAnswer&) {
    ++calls;
    r.reset();
  });
  r->resolve("10.0.0.2", [&](const DnsAnswer&) { ++calls; });
  ASSERT_TRUE(run_until([&] { return r == nullptr; }));
  EXPECT_EQ(calls, 1);
}

TEST_F(DnsResolverTest, EvictsIdleEntriesBeyondTheCacheLimit) {
  for (const char* n : {"a.test", "b.test", "c.test"}) dns_.set_zone(n, Zone{{{"10.0.0.1", 300}}});
  DnsOptions o = options();
  o.family = AddressFamily::kIPv4;
  o.max_cache_entries = 2;
  DnsResolver r(&loop_, o);
  resolve(r, "a.test");
  resolve(r, "b.test");
  resolve(r, "c.test");
  EXPECT_EQ(r.cache_size(), 2u);
  DnsAnswer cached;
  EXPECT_TRUE(r.lookup_cached("c.test", cached));  // the newest is kept
}

TEST_F(DnsResolverTest, RejectsAnInvalidServerList) {
  DnsOptions o;
  o.servers = "not an address";
  EXPECT_THROW(DnsResolver(&loop_, o), std::runtime_error);
}

TEST(DnsResolverPollBackendTest, ResolvesOnThePollBackend) {
  FakeDnsServer dns;
  dns.set_zone("p.test", Zone{{{"10.0.0.5", 60}}});
  net::EventLoop loop(net::Backend::kPoll);
  DnsOptions o;
  o.servers = dns.servers();
  o.family = AddressFamily::kIPv4;
  DnsResolver r(&loop, o);
  std::optional<DnsAnswer> got;
  r.resolve("p.test", [&](const DnsAnswer& a) {
    got = a;
    loop.quit();
  });
  loop.run_after(kSafety, [&] { loop.quit(); });
  loop.run();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(hosts(*got), (std::set<std::string>{"10.0.0.5"}));
}

TEST(DnsErrorTest, EveryErrorHasAName) {
  for (auto e :
       {DnsError::kNone, DnsError::kNotFound, DnsError::kTimeout, DnsError::kServerFailure,
        DnsError::kRefused, DnsError::kBadResponse, DnsError::kBadName, DnsError::kOther}) {
    EXPECT_FALSE(to_string(e).empty());
  }
}

}  // namespace
}  // namespace portico::proxy
