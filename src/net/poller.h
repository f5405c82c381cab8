// Poller: the readiness backend interface behind EventLoop (epoll or poll).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "portico/net/event_loop.h"

namespace portico::net {

class Channel;

struct ReadyChannel {
  Channel* channel;
  uint32_t events;  // Channel::k* bits
};

// Owned by one EventLoop and used only on its thread. update() registers or modifies a
// channel's interest; remove() unregisters it; poll() waits up to timeout_ms (-1: forever) and
// appends the ready channels, having stored each one's ready events for the loop to dispatch.
class Poller {
 public:
  virtual ~Poller() = default;

  // Throws std::system_error when the backend cannot be created (e.g. epoll_create1 fails).
  static std::unique_ptr<Poller> create(Backend backend);

  virtual void poll(int timeout_ms, std::vector<ReadyChannel>* ready) = 0;
  virtual void update(Channel* channel) = 0;
  virtual void remove(Channel* channel) = 0;
};

std::unique_ptr<Poller> make_epoll_poller();
std::unique_ptr<Poller> make_poll_poller();

}  // namespace portico::net
