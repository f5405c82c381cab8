// Event loop micro benchmarks: timer add/cancel with 100,000 pending, cross-thread post.
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>
#include <vector>

#include "net/timer_queue.h"
#include "portico/net/event_loop.h"

namespace portico::net {
namespace {

// Steady churn with state.range(0) timers pending: each iteration adds one timer and cancels
// one (the pattern of per-request timeouts on a busy server).
void BM_TimerAddCancelWithPending(benchmark::State& state) {
  TimerQueue q;
  const size_t pending = static_cast<size_t>(state.range(0));
  std::vector<TimerId> ids;
  ids.reserve(pending);
  std::mt19937 rng(1);
  for (size_t i = 0; i < pending; ++i) {
    ids.push_back(q.add(static_cast<int64_t>(rng() % 60000), 0, [] {}));
  }
  size_t victim = 0;
  for (auto _ : state) {
    q.cancel(ids[victim]);
    ids[victim] = q.add(static_cast<int64_t>(rng() % 60000), 0, [] {});
    victim = (victim + 7919) % pending;
  }
  state.SetItemsProcessed(state.iterations() * 2);  // one add + one cancel
}
BENCHMARK(BM_TimerAddCancelWithPending)->Arg(1000)->Arg(100000);

// Adds 100,000 timers, then cancels them all in random order; reported per timer.
void BM_TimerAdd100kThenCancelAll(benchmark::State& state) {
  constexpr size_t kTimers = 100000;
  std::vector<size_t> order(kTimers);
  for (size_t i = 0; i < kTimers; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(2));
  std::vector<TimerId> ids(kTimers);
  for (auto _ : state) {
    TimerQueue q;
    for (size_t i = 0; i < kTimers; ++i) {
      ids[i] = q.add(static_cast<int64_t>(i * 37 % 60000), 0, [] {});
    }
    for (size_t i : order) q.cancel(ids[i]);
    benchmark::DoNotOptimize(q.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kTimers));
}
BENCHMARK(BM_TimerAdd100kThenCancelAll)->Unit(benchmark::kMillisecond);

// Expiry: 100,000 timers due at once, all fired by one run.
void BM_TimerFire100k(benchmark::State& state) {
  constexpr size_t kTimers = 100000;
  int fired = 0;
  for (auto _ : state) {
    state.PauseTiming();
    TimerQueue q;
    for (size_t i = 0; i < kTimers; ++i) q.add(static_cast<int64_t>(i % 1000), 0, [&] { ++fired; });
    state.ResumeTiming();
    q.run_due(1000);
  }
  benchmark::DoNotOptimize(fired);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kTimers));
}
BENCHMARK(BM_TimerFire100k)->Unit(benchmark::kMillisecond);

// The public path: EventLoop::run_after + cancel (adds a clock read per timer).
void BM_EventLoopRunAfterCancel(benchmark::State& state) {
  EventLoop loop;
  for (int i = 0; i < 100000; ++i) loop.run_after(std::chrono::seconds(60), [] {});
  for (auto _ : state) {
    TimerId id = loop.run_after(std::chrono::seconds(30), [] {});
    loop.cancel(id);
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_EventLoopRunAfterCancel);

}  // namespace
}  // namespace portico::net
