// PollPoller: level-triggered poll(2) backend.
#include <poll.h>

#include <cerrno>
#include <cstring>

#include "net/channel.h"
#include "net/poller.h"
#include "portico/base/log.h"

namespace portico::net {
namespace {

// Level-triggered: a ready fd is reported on every poll() while it stays ready. The owners
// therefore drop read interest after EOF or while paused and write interest while nothing is
// queued, or the loop would spin. A channel with no interest stays in the array with events 0
// so POLLERR/POLLHUP (always reported) still reach it.
class PollPoller final : public Poller {
 public:
  void poll(int timeout_ms, std::vector<ReadyChannel>* ready) override {
    int n = ::poll(fds_.data(), fds_.size(), timeout_ms);
    if (n < 0) {
      if (errno != EINTR) LOG_ERROR("poll: %s", std::strerror(errno));
      return;
    }
    for (size_t i = 0; i < fds_.size() && n > 0; ++i) {
      if (fds_[i].revents == 0) continue;
      --n;
      ready->push_back({channels_[i], translate(fds_[i].revents)});
    }
  }

  void update(Channel* channel) override {
    short events = 0;
    if (channel->interest() & Channel::kReadable) events |= POLLIN | POLLPRI | POLLRDHUP;
    if (channel->interest() & Channel::kWritable) events |= POLLOUT;
    if (!channel->registered()) {
      channel->set_poller_index(static_cast<int>(fds_.size()));
      fds_.push_back(pollfd{channel->fd(), events, 0});
      channels_.push_back(channel);
      channel->set_registered(true);
      return;
    }
    pollfd& pfd = fds_[static_cast<size_t>(channel->poller_index())];
    pfd.events = events;
    pfd.revents = 0;
  }

  void remove(Channel* channel) override {
    // Swap with the last entry so removal is O(1).
    size_t idx = static_cast<size_t>(channel->poller_index());
    size_t last = fds_.size() - 1;
    if (idx != last) {
      fds_[idx] = fds_[last];
      channels_[idx] = channels_[last];
      channels_[idx]->set_poller_index(static_cast<int>(idx));
    }
    fds_.pop_back();
    channels_.pop_back();
    channel->set_poller_index(-1);
    channel->set_registered(false);
  }

 private:
  static uint32_t translate(short ev) {
    uint32_t out = 0;
    if (ev & (POLLIN | POLLPRI | POLLRDHUP)) out |= Channel::kReadable;
    if (ev & POLLOUT) out |= Channel::kWritable;
    if (ev & (POLLERR | POLLNVAL)) out |= Channel::kError;
    if (ev & POLLHUP) out |= Channel::kHangup;
    return out;
  }

  std::vector<pollfd> fds_;
  std::vector<Channel*> channels_;
};

}  // namespace

std::unique_ptr<Poller> make_poll_poller() { return std::make_unique<PollPoller>(); }

}  // namespace portico::net
