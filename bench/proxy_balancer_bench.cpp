// Balancer micro benchmarks: the cost of one pick for each policy over 16 servers with mixed
// weights, and of building a consistent-hash ring.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "portico/proxy/balancer.h"

namespace portico::proxy {
namespace {

UpstreamSet sixteen_servers() {
  UpstreamSet set;
  for (int i = 0; i < 16; ++i) {
    set.add(UpstreamServer{"app-" + std::to_string(i), "10.0.0." + std::to_string(i + 1) + ":8080",
                           static_cast<uint32_t>(1 + i % 4)});
  }
  return set;
}

std::vector<std::string> keys() {
  std::vector<std::string> k;
  for (int i = 0; i < 1024; ++i) k.push_back("/products/" + std::to_string(i * 7919) + "/reviews");
  return k;
}

void BM_Pick(benchmark::State& state) {
  const auto policy = static_cast<BalancePolicy>(state.range(0));
  UpstreamSet set = sixteen_servers();
  set.set_down(5, true);  // one server down, so the skip paths run
  auto b = make_balancer(policy, set, {.seed = 1});
  const std::vector<std::string> ks = keys();
  const std::string cookie = sticky_cookie_value(set.server(3));
  size_t n = 0;
  for (auto _ : state) {
    const std::string& k = ks[n++ & 1023];
    PickContext c;
    c.client_address = k;
    c.hash_key = k;
    c.sticky_cookie = cookie;
    auto p = b->pick(c);
    benchmark::DoNotOptimize(p);
  }
  state.SetLabel(std::string(to_string(policy)));
}
BENCHMARK(BM_Pick)->DenseRange(0, 5);

void BM_BuildRing(benchmark::State& state) {
  UpstreamSet set = sixteen_servers();
  for (auto _ : state) {
    auto b = make_balancer(BalancePolicy::kConsistentHash, set);
    benchmark::DoNotOptimize(b);
  }
}
BENCHMARK(BM_BuildRing);

}  // namespace
}  // namespace portico::proxy
