// Tests for UpstreamSet: validation of servers at config time, host:port parsing, state and
// load accounting.
#include "portico/proxy/upstream_set.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace portico::proxy {
namespace {

UpstreamSet make_set(const std::vector<uint32_t>& weights) {
  UpstreamSet set;
  for (size_t i = 0; i < weights.size(); ++i) {
    set.add(UpstreamServer{"s" + std::to_string(i), "10.0.0." + std::to_string(i + 1) + ":80",
                           weights[i]});
  }
  return set;
}

TEST(UpstreamSetTest, ValidatesServersWhenAdded) {
  UpstreamSet set;
  EXPECT_EQ(set.add(UpstreamServer{"", "10.0.0.1:80", 1}), 0u);
  EXPECT_EQ(set.server(0).name, "10.0.0.1:80");  // the name defaults to the address
  EXPECT_THROW(set.add(UpstreamServer{"", "10.0.0.1:80", 1}), std::invalid_argument);
  EXPECT_THROW(set.add(UpstreamServer{"x", "", 1}), std::invalid_argument);
  EXPECT_THROW(set.add(UpstreamServer{"x", "h:1", 0}), std::invalid_argument);
  EXPECT_THROW(set.add(UpstreamServer{"x", "no-port", 1}), std::invalid_argument);
  EXPECT_THROW(set.add(UpstreamServer{"x", "h:1", UpstreamSet::kMaxWeight + 1}),
               std::invalid_argument);
  EXPECT_EQ(set.add(UpstreamServer{"x", "h:1", UpstreamSet::kMaxWeight}), 1u);
  EXPECT_EQ(set.find("x"), 1u);
  EXPECT_EQ(set.find("y"), std::nullopt);
}

TEST(UpstreamSetTest, TracksStateAndLoad) {
  UpstreamSet set = make_set({2, 3, 5});
  EXPECT_EQ(set.up_count(), 3u);
  EXPECT_EQ(set.up_weight(), 10u);
  set.set_down(1, true);
  EXPECT_FALSE(set.is_up(1));
  EXPECT_EQ(set.up_count(), 2u);
  EXPECT_EQ(set.up_weight(), 7u);
  set.request_started(0);
  set.request_started(0);
  set.request_finished(0);
  EXPECT_EQ(set.state(0).active, 1u);
  set.request_finished(0);
  set.request_finished(0);  // never below zero
  EXPECT_EQ(set.state(0).active, 0u);
}

TEST(UpstreamSetTest, SplitsHostAndPort) {
  UpstreamSet set;
  set.add(UpstreamServer{"", "api.internal:8080", 1});
  set.add(UpstreamServer{"", "[2001:db8::1]:443", 1});
  EXPECT_EQ(set.host(0), "api.internal");
  EXPECT_EQ(set.port(0), 8080);
  EXPECT_EQ(set.host(1), "2001:db8::1");
  EXPECT_EQ(set.port(1), 443);
  EXPECT_EQ(split_host_port("10.0.0.1:65535")->port, 65535);
  for (const char* bad : {"host", "host:", ":80", "host:0", "host:65536", "host:8o", "host:123456",
                          "2001:db8::1:80", "[]:80", "[::1:80", "host: 80"}) {
    EXPECT_EQ(split_host_port(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace portico::proxy
