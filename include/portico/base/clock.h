// Monotonic and wall clocks in the units the rest of portico uses.
#pragma once

#include <chrono>
#include <cstdint>

namespace portico {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

inline int64_t monotonic_ms() {
  return std::chrono::duration_cast<Millis>(Clock::now().time_since_epoch()).count();
}

}  // namespace portico
