// Channel interest updates and event dispatch.
#include "net/channel.h"

#include <cstdio>
#include <cstdlib>

#include "portico/net/event_loop.h"

namespace portico::net {

Channel::~Channel() {
  if (registered_) {
    // A registered channel being destroyed would leave a dangling pointer in the poller.
    std::fprintf(stderr, "portico: channel for fd %d destroyed while registered\n", fd_);
    std::abort();
  }
}

void Channel::set_interest(uint32_t interest) {
  interest &= (kReadable | kWritable);
  if (registered_ && interest == interest_) return;
  interest_ = interest;
  loop_->update_channel(this);
}

void Channel::rearm() {
  if (registered_) loop_->update_channel(this);
}

void Channel::remove() {
  if (!registered_) return;
  loop_->remove_channel(this);
}

void Channel::handle_event(uint32_t events) {
  if (!registered_ || !callback_) return;
  callback_(events);
}

}  // namespace portico::net
