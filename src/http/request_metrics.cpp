// Per-thread request counters: each thread writes its own shard with relaxed stores (one
// writer, so no read-modify-write is needed); readers sum the shards with relaxed loads.
#include "portico/http/request_metrics.h"

#include <algorithm>
#include <thread>

namespace portico::http {
namespace {

constexpr size_t kMethods = static_cast<size_t>(Method::kOther) + 1;
constexpr uint16_t kFirstCode = 100;
constexpr size_t kCodes = 500;  // 100..599

std::atomic<uint64_t> g_next_metrics_id{1};

struct ShardCache {
  uint64_t metrics_id = 0;
  void* shard = nullptr;
};
thread_local ShardCache t_shard_cache;

// A counter with a single writer: load and store, no locked instruction.
inline void bump(std::atomic<uint64_t>& counter, uint64_t n) {
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

inline uint64_t read(const std::atomic<uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

size_t duration_bucket(uint64_t us) {
  double seconds = static_cast<double>(us) / 1e6;
  size_t i = 0;
  while (i < kDurationBucketsSeconds.size() && seconds > kDurationBucketsSeconds[i]) ++i;
  return i;
}

}  // namespace

struct RequestMetrics::Shard {
  // Per site: counts by method and status code. Allocated by the writer on the site's first
  // request and published with a release store (readers acquire it).
  struct SiteBlock {
    std::array<std::atomic<uint64_t>, kMethods * kCodes> counts{};
  };
  std::thread::id owner;
  std::array<std::atomic<SiteBlock*>, kMaxSites> sites{};
  std::atomic<uint64_t> total{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> duration_sum_us{0};
  std::array<std::atomic<uint64_t>, kDurationBucketsSeconds.size() + 1> duration_buckets{};
  std::array<std::atomic<uint64_t>, LatencyHistogram::kBuckets> latency{};

  ~Shard() {
    for (auto& s : sites) delete s.load(std::memory_order_relaxed);
  }
};

RequestMetrics::RequestMetrics() : id_(g_next_metrics_id.fetch_add(1)) {}

RequestMetrics::~RequestMetrics() = default;

uint32_t RequestMetrics::intern_site(std::string_view name) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < sites_.size(); ++i) {
    if (sites_[i] == name) return static_cast<uint32_t>(i);
  }
  if (sites_.size() + 1 >= kMaxSites) {
    if (sites_.size() + 1 == kMaxSites) sites_.emplace_back("other");
    return kMaxSites - 1;
  }
  sites_.emplace_back(name);
  return static_cast<uint32_t>(sites_.size() - 1);
}

RequestMetrics::Shard& RequestMetrics::shard_for_this_thread() {
  if (t_shard_cache.metrics_id == id_) return *static_cast<Shard*>(t_shard_cache.shard);
  std::lock_guard<std::mutex> lock(mutex_);
  std::thread::id self = std::this_thread::get_id();
  Shard* found = nullptr;
  for (auto& s : shards_) {
    if (s->owner == self) found = s.get();
  }
  if (!found) {
    shards_.push_back(std::make_unique<Shard>());
    found = shards_.back().get();
    found->owner = self;
  }
  t_shard_cache = ShardCache{id_, found};
  return *found;
}

void RequestMetrics::record(const RequestSample& s) {
  Shard& shard = shard_for_this_thread();
  bump(shard.total, 1);
  bump(shard.bytes_in, s.bytes_in);
  bump(shard.bytes_out, s.bytes_out);
  bump(shard.duration_sum_us, s.duration_us);
  bump(shard.duration_buckets[duration_bucket(s.duration_us)], 1);
  bump(shard.latency[LatencyHistogram::bucket_of(s.duration_us)], 1);
  if (s.code < kFirstCode || s.code >= kFirstCode + kCodes) return;
  uint32_t site = std::min(s.site, kMaxSites - 1);
  Shard::SiteBlock* block = shard.sites[site].load(std::memory_order_relaxed);
  if (!block) {
    block = new Shard::SiteBlock();
    shard.sites[site].store(block, std::memory_order_release);
  }
  size_t method = std::min(static_cast<size_t>(s.method), kMethods - 1);
  bump(block->counts[method * kCodes + (s.code - kFirstCode)], 1);
}

RequestCounts RequestMetrics::snapshot() const {
  RequestCounts out;
  std::lock_guard<std::mutex> lock(mutex_);
  out.site_names = sites_;
  std::vector<std::vector<uint64_t>> by_site(kMaxSites);  // [method * kCodes + code - 100]
  for (const auto& shard : shards_) {
    out.total += read(shard->total);
    out.bytes_in += read(shard->bytes_in);
    out.bytes_out += read(shard->bytes_out);
    out.duration_sum_us += read(shard->duration_sum_us);
    for (size_t i = 0; i < out.duration_buckets.size(); ++i) {
      out.duration_buckets[i] += read(shard->duration_buckets[i]);
    }
    for (size_t i = 0; i < LatencyHistogram::kBuckets; ++i) {
      if (uint64_t n = read(shard->latency[i])) out.latency.add_bucket(i, n);
    }
    for (uint32_t site = 0; site < kMaxSites; ++site) {
      const Shard::SiteBlock* block = shard->sites[site].load(std::memory_order_acquire);
      if (!block) continue;
      std::vector<uint64_t>& sum = by_site[site];
      if (sum.empty()) sum.resize(kMethods * kCodes);
      for (size_t k = 0; k < kMethods * kCodes; ++k) sum[k] += read(block->counts[k]);
    }
  }
  for (uint32_t site = 0; site < kMaxSites; ++site) {
    const std::vector<uint64_t>& sum = by_site[site];
    for (size_t key = 0; key < sum.size(); ++key) {
      if (sum[key] == 0) continue;
      RequestCounts::Entry e;
      e.site = site;
      e.method = static_cast<Method>(key / kCodes);
      e.code = static_cast<uint16_t>(kFirstCode + key % kCodes);
      e.count = sum[key];
      out.requests.push_back(e);
    }
  }
  // A sample may name a site interned after the names were copied: give it a name.
  for (const auto& e : out.requests) {
    while (out.site_names.size() <= e.site) out.site_names.emplace_back("other");
  }
  return out;
}

}  // namespace portico::http
