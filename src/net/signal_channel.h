// SignalChannel: delivers blocked signals to a loop through a signalfd.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace portico::net {

class Channel;
class EventLoop;

// Signals are blocked in the thread (and, by the program, in all threads) and read from a
// signalfd as ordinary readable events, so a handler runs on the loop thread like any other
// callback: no async-signal-safety rules, no EINTR surprises in the middle of I/O.
class SignalChannel {
 public:
  explicit SignalChannel(EventLoop* loop);
  ~SignalChannel();
  SignalChannel(const SignalChannel&) = delete;
  SignalChannel& operator=(const SignalChannel&) = delete;

  // Throws std::system_error if the mask or the signalfd cannot be set.
  void add(const std::vector<int>& signals, std::function<void(int)> handler);

 private:
  void handle_read();

  EventLoop* const loop_;
  int fd_ = -1;
  std::unique_ptr<Channel> channel_;
  std::unordered_map<int, std::shared_ptr<std::function<void(int)>>> handlers_;
};

}  // namespace portico::net
