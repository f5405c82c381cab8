// UpstreamSet: the servers of one upstream group, each with its weight, state and load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/net/inet_address.h"

namespace portico::proxy {

// One configured server.
struct UpstreamServer {
  // Stable identity: consistent hashing places the server on its ring by it and sticky cookies
  // name it (through a digest), so it must not change across reloads while the server does.
  // Defaults to `address` when empty.
  std::string name;
  // Where it is: "host:port" with a port, the host a name (resolved by DnsResolver) or an IP
  // literal ("10.0.0.1:9000", "[2001:db8::1]:80", "api.internal:8080").
  std::string address;
  // Relative share of requests, 1..UpstreamSet::kMaxWeight.
  uint32_t weight = 1;
};

// The live view of a server the balancer reads on each pick.
struct ServerState {
  bool down = false;    // marked down by health checks (or an operator): never picked
  uint32_t active = 0;  // requests in progress on it (least connections, p2c)
  uint64_t picks = 0;   // times it was chosen (statistics)
  std::vector<net::InetAddress> addresses;  // its resolved addresses, filled by the owner
};

// "host:port" split; the host without brackets. nullopt unless the port is 1..65535 and the
// host non-empty (and bracketed when it contains ':').
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
std::optional<HostPort> split_host_port(std::string_view authority);

// A group's membership is fixed once built (a config reload builds a new set); state changes
// at run time. One set per worker loop, like everything on the request path: no locks. Indexes
// are positions in the order servers were added.
class UpstreamSet {
 public:
  static constexpr uint32_t kMaxWeight = 1000;

  // Adds a server and returns its index. Throws std::invalid_argument (config time) for an
  // address that is not host:port, a duplicate name, or a weight outside 1..kMaxWeight.
  size_t add(UpstreamServer server);

  size_t size() const { return servers_.size(); }
  bool empty() const { return servers_.empty(); }
  const UpstreamServer& server(size_t i) const { return servers_[i]; }
  const ServerState& state(size_t i) const { return states_[i]; }
  // The address's parts: what to resolve, and the port to connect to.
  const std::string& host(size_t i) const { return endpoints_[i].host; }
  uint16_t port(size_t i) const { return endpoints_[i].port; }
  std::optional<size_t> find(std::string_view name) const;

  bool is_up(size_t i) const { return !states_[i].down; }
  void set_down(size_t i, bool down) { states_[i].down = down; }
  size_t up_count() const;
  // Sum of the weights of the servers that are up.
  uint64_t up_weight() const;

  // Load accounting by whoever runs the requests: start when a request is sent to the server,
  // end when its response is done (or failed). Balancers count picks themselves.
  void request_started(size_t i) { ++states_[i].active; }
  void request_finished(size_t i) {
    if (states_[i].active > 0) --states_[i].active;
  }
  void count_pick(size_t i) { ++states_[i].picks; }

  void set_addresses(size_t i, std::vector<net::InetAddress> addresses) {
    states_[i].addresses = std::move(addresses);
  }

 private:
  std::vector<UpstreamServer> servers_;
  std::vector<ServerState> states_;
  std::vector<HostPort> endpoints_;
};

}  // namespace portico::proxy
