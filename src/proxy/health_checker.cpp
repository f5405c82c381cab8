// ActiveHealthChecker: one repeating timer drives a probe per server.
#include "portico/proxy/health_checker.h"

#include <chrono>

#include "proxy/health_probe.h"

namespace portico::proxy {

ActiveHealthChecker::ActiveHealthChecker(net::EventLoop* loop, UpstreamSet& set,
                                         UpstreamHealth& health, ActiveCheckOptions options)
    : loop_(loop), set_(set), health_(health), options_(std::move(options)) {
  for (size_t i = 0; i < set.size(); ++i) {
    probes_.push_back(std::make_unique<detail::HealthProbe>(loop, options_));
  }
}

ActiveHealthChecker::~ActiveHealthChecker() { stop(); }

void ActiveHealthChecker::start() {
  if (timer_) return;
  timer_ = loop_->run_every(std::chrono::milliseconds(std::max<uint32_t>(options_.interval_ms, 1)),
                            [this] { tick(); });
  tick();
}

void ActiveHealthChecker::stop() {
  loop_->cancel(timer_);
  timer_ = net::TimerId{};
  for (auto& p : probes_) p->cancel();
}

void ActiveHealthChecker::tick() {
  for (size_t i = 0; i < probes_.size(); ++i) {
    if (!probes_[i]->running()) probe(i);
  }
}

void ActiveHealthChecker::probe(size_t i) {
  const ServerState& state = set_.state(i);
  const UpstreamServer& server = set_.server(i);
  // Resolved addresses carry port 0; the port is the configured one.
  std::optional<net::InetAddress> address;
  if (!state.addresses.empty()) {
    address = state.addresses.front();
  } else {
    address = net::InetAddress::from_host_port(set_.host(i), 0);
  }
  if (address) address->set_port(set_.port(i));
  if (!address) {
    ++completed_;
    health_.probe_result(i, ProbeOutcome::kConnectFailed, loop_->now_ms());
    return;
  }
  const std::string_view host =
      options_.host.empty() ? std::string_view(server.address) : std::string_view(options_.host);
  probes_[i]->start(*address, host, [this, i](ProbeOutcome outcome, int) {
    ++completed_;
    health_.probe_result(i, outcome, loop_->now_ms());
  });
}

}  // namespace portico::proxy
