// EventLoopThreadPool: starts, hands out and stops one EventLoop per thread.
#include "portico/net/event_loop_thread_pool.h"

#include <condition_variable>
#include <exception>
#include <mutex>

namespace portico::net {

struct EventLoopThreadPool::Worker {
  std::thread thread;
  std::mutex mutex;
  std::condition_variable cv;
  EventLoop* loop = nullptr;  // valid from "ready" until the thread exits
  bool ready = false;
  std::exception_ptr error;
};

EventLoopThreadPool::EventLoopThreadPool(Backend backend, int num_threads)
    : backend_(backend),
      num_threads_(num_threads > 0
                       ? num_threads
                       : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {}

EventLoopThreadPool::~EventLoopThreadPool() { stop(); }

void EventLoopThreadPool::start() {
  for (int i = 0; i < num_threads_; ++i) {
    auto worker = std::make_unique<Worker>();
    Worker* w = worker.get();
    w->thread = std::thread([w, backend = backend_] {
      std::unique_ptr<EventLoop> loop;
      try {
        loop = std::make_unique<EventLoop>(backend);
      } catch (...) {
        std::lock_guard lock(w->mutex);
        w->error = std::current_exception();
        w->ready = true;
        w->cv.notify_one();
        return;
      }
      // Signalled from inside run(), so start() returns only once the loop is running.
      loop->post([w, &loop] {
        std::lock_guard lock(w->mutex);
        w->loop = loop.get();
        w->ready = true;
        w->cv.notify_one();
      });
      loop->run();
      // Destroyed on its own thread after run() returned.
      loop.reset();
    });
    workers_.push_back(std::move(worker));
  }
  std::exception_ptr first_error;
  for (auto& w : workers_) {
    std::unique_lock lock(w->mutex);
    w->cv.wait(lock, [&] { return w->ready; });
    if (w->error && !first_error) first_error = w->error;
  }
  if (first_error) {
    stop();
    std::rethrow_exception(first_error);
  }
}

EventLoop* EventLoopThreadPool::next() {
  if (workers_.empty()) return nullptr;
  EventLoop* loop = workers_[next_]->loop;
  next_ = (next_ + 1) % workers_.size();
  return loop;
}

std::vector<EventLoop*> EventLoopThreadPool::loops() const {
  std::vector<EventLoop*> out;
  for (const auto& w : workers_) {
    if (w->loop) out.push_back(w->loop);
  }
  return out;
}

void EventLoopThreadPool::stop() {
  for (auto& w : workers_) {
    if (w->loop) w->loop->quit();
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  workers_.clear();
  next_ = 0;
}

}  // namespace portico::net
