// Channel: one fd's registration with a loop's Poller: the interest set and an event callback.
#pragma once

#include <cstdint>
#include <functional>

namespace portico::net {

class EventLoop;

// A Channel does not own its fd. The owner (connection, acceptor, ...) sets the interest and
// receives the ready events as a bit set; the Poller translates epoll/poll bits to these.
// Loop thread only. Remove it (remove()) before destroying it or closing the fd.
class Channel {
 public:
  static constexpr uint32_t kNone = 0;
  static constexpr uint32_t kReadable = 1u << 0;  // data, EOF, or pending accept
  static constexpr uint32_t kWritable = 1u << 1;
  static constexpr uint32_t kError = 1u << 2;   // EPOLLERR/POLLERR/POLLNVAL
  static constexpr uint32_t kHangup = 1u << 3;  // EPOLLHUP/POLLHUP: both directions are done

  using EventCallback = std::function<void(uint32_t events)>;

  Channel(EventLoop* loop, int fd) : loop_(loop), fd_(fd) {}
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  void set_callback(EventCallback cb) { callback_ = std::move(cb); }

  int fd() const { return fd_; }
  uint32_t interest() const { return interest_; }
  bool reading() const { return interest_ & kReadable; }
  bool writing() const { return interest_ & kWritable; }
  bool registered() const { return registered_; }

  // Each call registers the channel on first use and updates the poller only on a change.
  void set_interest(uint32_t interest);
  void enable_reading() { set_interest(interest_ | kReadable); }
  void disable_reading() { set_interest(interest_ & ~kReadable); }
  void enable_writing() { set_interest(interest_ | kWritable); }
  void disable_writing() { set_interest(interest_ & ~kWritable); }
  // Re-registers with the same interest. Edge-triggered epoll re-checks readiness on
  // EPOLL_CTL_MOD, so an event that is already true (e.g. writable) is reported again.
  void rearm();
  // Unregisters from the poller; no callback runs after this, even for events already
  // collected in the current iteration.
  void remove();

  // Called by the loop with the ready events.
  void handle_event(uint32_t events);

  // Poller bookkeeping.
  int poller_index() const { return poller_index_; }
  void set_poller_index(int index) { poller_index_ = index; }
  void set_registered(bool on) { registered_ = on; }
  // The loop's bookkeeping for the ready list of the iteration in progress.
  int active_index() const { return active_index_; }
  void set_active_index(int index) { active_index_ = index; }

 private:
  EventLoop* const loop_;
  const int fd_;
  uint32_t interest_ = kNone;
  bool registered_ = false;
  int poller_index_ = -1;
  int active_index_ = -1;
  EventCallback callback_;
};

}  // namespace portico::net
