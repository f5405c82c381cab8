// UpstreamSet: server registration (validated at config time) and state queries.
#include "portico/proxy/upstream_set.h"

#include <algorithm>
#include <stdexcept>

namespace portico::proxy {

std::optional<HostPort> split_host_port(std::string_view authority) {
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = authority.substr(0, colon);
  const std::string_view port = authority.substr(colon + 1);
  if (port.empty() || port.size() > 5) return std::nullopt;
  uint32_t p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    p = p * 10 + static_cast<uint32_t>(c - '0');
  }
  if (p == 0 || p > 65535) return std::nullopt;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find_first_of("[]:") != std::string_view::npos) {
    return std::nullopt;  // an IPv6 literal needs its brackets
  }
  if (host.empty()) return std::nullopt;
  return HostPort{std::string(host), static_cast<uint16_t>(p)};
}

size_t UpstreamSet::add(UpstreamServer server) {
  auto endpoint = split_host_port(server.address);
  if (!endpoint) {
    throw std::invalid_argument("upstream server address '" + server.address +
                                "' is not host:port");
  }
  if (server.name.empty()) server.name = server.address;
  if (server.weight < 1 || server.weight > kMaxWeight) {
    throw std::invalid_argument("upstream server '" + server.name + "': weight " +
                                std::to_string(server.weight) + " is not in 1.." +
                                std::to_string(kMaxWeight));
  }
  if (find(server.name)) {
    throw std::invalid_argument("upstream server '" + server.name + "' is listed twice");
  }
  servers_.push_back(std::move(server));
  states_.emplace_back();
  endpoints_.push_back(std::move(*endpoint));
  return servers_.size() - 1;
}

std::optional<size_t> UpstreamSet::find(std::string_view name) const {
  for (size_t i = 0; i < servers_.size(); ++i) {
    if (servers_[i].name == name) return i;
  }
  return std::nullopt;
}

size_t UpstreamSet::up_count() const {
  return static_cast<size_t>(
      std::count_if(states_.begin(), states_.end(), [](const ServerState& s) { return !s.down; }));
}

uint64_t UpstreamSet::up_weight() const {
  uint64_t total = 0;
  for (size_t i = 0; i < servers_.size(); ++i) {
    if (!states_[i].down) total += servers_[i].weight;
  }
  return total;
}

}  // namespace portico::proxy
