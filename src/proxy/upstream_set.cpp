// UpstreamSet: server registration (validated at config time) and state queries.
#include "portico/proxy/upstream_set.h"

#include <algorithm>
#include <stdexcept>

namespace portico::proxy {

size_t UpstreamSet::add(UpstreamServer server) {
  if (server.address.empty()) throw std::invalid_argument("upstream server without an address");
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
