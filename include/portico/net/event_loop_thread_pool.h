// EventLoopThreadPool: N threads, each running its own EventLoop (one loop per core).
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "portico/net/event_loop.h"

namespace portico::net {

// Starts num_threads threads, each constructing and running its own EventLoop. Loops are
// handed out round-robin by next(); a connection stays on the loop it was given for its whole
// life, so nothing is shared between threads on the request path.
class EventLoopThreadPool {
 public:
  // num_threads <= 0 means one thread per online CPU.
  EventLoopThreadPool(Backend backend, int num_threads);
  ~EventLoopThreadPool();  // stop()
  EventLoopThreadPool(const EventLoopThreadPool&) = delete;
  EventLoopThreadPool& operator=(const EventLoopThreadPool&) = delete;

  // Starts the threads and returns once every loop is running. Throws std::system_error if a
  // loop cannot be created (e.g. out of fds). Not thread-safe; call once.
  void start();
  // Round-robin over the loops (call from one thread, usually the base loop's). Null before
  // start().
  EventLoop* next();
  std::vector<EventLoop*> loops() const;
  int size() const { return num_threads_; }
  // Quits every loop and joins its thread. Idempotent. Connections still on a loop are
  // destroyed with it (without handler callbacks): close them first for a graceful stop.
  void stop();

 private:
  struct Worker;

  const Backend backend_;
  const int num_threads_;
  std::vector<std::unique_ptr<Worker>> workers_;
  size_t next_ = 0;
};

}  // namespace portico::net
