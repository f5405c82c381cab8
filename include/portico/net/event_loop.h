// EventLoop: one thread's reactor (epoll or poll), its timers, cross-thread tasks and signals.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace portico::net {

class Channel;
class Poller;
class TimerQueue;
class SignalChannel;
class TcpConnection;
struct ReadyChannel;  // internal (net/poller.h)

// The readiness backend. epoll is edge-triggered; poll is level-triggered. Everything above the
// Poller is written to be correct under both (read/accept until EAGAIN, write interest only
// while output is queued), so the backends are interchangeable at run time.
enum class Backend { kEpoll, kPoll };

// Identifies a timer. Value 0 is "no timer"; ids are never reused within a loop (a slot
// generation guards against cancelling a newer timer with a stale id).
struct TimerId {
  uint64_t value = 0;
  explicit operator bool() const { return value != 0; }
  friend bool operator==(TimerId a, TimerId b) { return a.value == b.value; }
};

// Counters kept by the loop thread (plain integers: read them from the loop thread, e.g. via
// run_in_loop, for a consistent snapshot).
struct LoopStats {
  uint64_t iterations = 0;
  uint64_t accepted = 0;
  uint64_t connections_closed = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t timers_fired = 0;
  uint64_t tasks_run = 0;
};

// Blocks the given signals in the calling thread (pthread_sigmask). A program that handles
// signals with EventLoop::on_signals must call this in main() before it starts any other thread:
// threads inherit the mask, and a signal not blocked in some thread may be delivered there by
// its default action instead of reaching the signalfd. Throws std::system_error on failure.
void block_signals(const std::vector<int>& signals);

// The first EventLoop created sets SIGPIPE to SIG_IGN if it still has its default action
// (sendfile(2) has no MSG_NOSIGNAL; a write to a reset peer must fail with EPIPE, not kill
// the process).
//
// A reactor owned by one thread (the thread that constructs it). Everything on a loop -- its
// channels, timers, connections -- is touched only from that thread; other threads hand work
// over with post()/run_in_loop(). Nothing on the hot path takes a lock except the task queue.
class EventLoop {
 public:
  explicit EventLoop(Backend backend = Backend::kEpoll);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until quit(). Must be called on the owning thread. Before returning, runs the tasks
  // that were posted up to then, so a task posted while the loop was running always runs.
  void run();
  // Thread-safe; the loop finishes its current iteration and returns from run().
  void quit();
  bool running() const { return looping_.load(std::memory_order_acquire); }

  // Thread-safe. Queues fn to run on the loop thread after the current iteration's events and
  // wakes the loop (eventfd). Tasks run in the order posted.
  void post(std::function<void()> fn);
  // Runs fn now when called on the loop thread, else post(fn).
  void run_in_loop(std::function<void()> fn);
  // Runs fn on the loop thread and waits for it to finish. When the loop is not running (never
  // started, or already returned from run()), fn runs directly in the calling thread. Do not
  // call it from another loop thread that this loop might itself be waiting on (deadlock).
  void run_in_loop_and_wait(std::function<void()> fn);

  bool in_loop_thread() const { return std::this_thread::get_id() == thread_id_; }
  // Aborts the process with a message when called off the loop thread while the loop runs (a
  // programming error). A loop that is not running may be used from any one thread.
  void assert_in_loop_thread() const;

  // Timers (loop thread only). Callbacks run on the loop thread. A timer fires no earlier than
  // its delay; timers due at the same millisecond fire in the order they were added.
  TimerId run_after(std::chrono::milliseconds delay, std::function<void()> fn);
  // Repeats every interval (minimum 1 ms) until cancelled. The first run is after interval.
  TimerId run_every(std::chrono::milliseconds interval, std::function<void()> fn);
  // Safe for ids that already fired, were cancelled, or are 0; safe from inside any timer
  // callback, including the timer's own (a repeating timer then stops).
  void cancel(TimerId id);
  size_t pending_timers() const;
  // True while the timer is scheduled (not yet fired, or a repeating timer not cancelled).
  bool timer_pending(TimerId id) const;

  // Handles the given signals on this loop through a signalfd (loop thread only). Blocks them in
  // the calling thread; see block_signals() for the rule about other threads. Calling it again
  // adds signals; a later handler for the same signal replaces the earlier one.
  void on_signals(const std::vector<int>& signals, std::function<void(int)> handler);

  Backend backend() const { return backend_; }
  static const char* backend_name(Backend backend);
  // "epoll" or "poll"; nullopt otherwise.
  static std::optional<Backend> parse_backend(std::string_view name);

  // Monotonic milliseconds, sampled once per iteration (after the poller returns).
  int64_t now_ms() const { return now_ms_; }

  LoopStats& stats() { return stats_; }
  const LoopStats& stats() const { return stats_; }

  // Connection table (loop thread only). Each connection is owned by exactly one loop; it is
  // added when established and removed when closed. Removal defers destruction to the end of
  // the current iteration, so a connection may close itself from inside its own callbacks.
  TcpConnection* find_connection(uint64_t id) const;
  TcpConnection& add_connection(std::unique_ptr<TcpConnection> conn);
  void remove_connection(uint64_t id);
  size_t connection_count() const { return connections_.size(); }
  // Calls fn for every connection on this loop (loop thread only; fn may close connections).
  void for_each_connection(const std::function<void(TcpConnection&)>& fn);

  // Internal: used by Channel.
  void update_channel(Channel* channel);
  void remove_channel(Channel* channel);

 private:
  void wakeup();
  void handle_wakeup();
  void run_pending_tasks();
  int poll_timeout_ms() const;

  const Backend backend_;
  const std::thread::id thread_id_;
  std::atomic<bool> looping_{false};
  std::atomic<bool> quit_{false};
  int64_t now_ms_ = 0;
  LoopStats stats_;

  std::unique_ptr<Poller> poller_;
  std::unique_ptr<TimerQueue> timers_;
  std::vector<ReadyChannel> ready_;  // the current iteration's ready channels

  int wakeup_fd_ = -1;
  std::unique_ptr<Channel> wakeup_channel_;
  std::unique_ptr<SignalChannel> signals_;

  std::mutex tasks_mutex_;
  std::vector<std::function<void()>> tasks_;  // guarded by tasks_mutex_
  std::atomic<bool> running_tasks_{false};

  std::unordered_map<uint64_t, std::unique_ptr<TcpConnection>> connections_;
  std::vector<std::unique_ptr<TcpConnection>> closed_connections_;  // destroyed each iteration
};

}  // namespace portico::net
