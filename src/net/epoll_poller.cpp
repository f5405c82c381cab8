// EpollPoller: edge-triggered epoll(7) backend.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "net/channel.h"
#include "net/poller.h"
#include "portico/base/log.h"

namespace portico::net {
namespace {

// Edge-triggered: an event is reported when readiness changes, not while it persists, so the
// owners read/accept/write until EAGAIN (or re-queue themselves). Every registration carries
// EPOLLET; EPOLL_CTL_MOD re-evaluates readiness, which is how a paused reader is re-armed.
class EpollPoller final : public Poller {
 public:
  EpollPoller() : epfd_(::epoll_create1(EPOLL_CLOEXEC)), events_(kInitialEvents) {
    if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  }
  ~EpollPoller() override { ::close(epfd_); }

  void poll(int timeout_ms, std::vector<ReadyChannel>* ready) override {
    int n = ::epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), timeout_ms);
    if (n < 0) {
      if (errno != EINTR) LOG_ERROR("epoll_wait: %s", std::strerror(errno));
      return;
    }
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = events_[static_cast<size_t>(i)];
      ready->push_back({static_cast<Channel*>(ev.data.ptr), translate(ev.events)});
    }
    // A full array means more may be ready; grow so one wakeup sees them all next time.
    if (static_cast<size_t>(n) == events_.size()) events_.resize(events_.size() * 2);
  }

  void update(Channel* channel) override {
    epoll_event ev{};
    ev.events = EPOLLET;
    if (channel->interest() & Channel::kReadable) ev.events |= EPOLLIN | EPOLLPRI | EPOLLRDHUP;
    if (channel->interest() & Channel::kWritable) ev.events |= EPOLLOUT;
    ev.data.ptr = channel;
    int op = channel->registered() ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (::epoll_ctl(epfd_, op, channel->fd(), &ev) < 0) {
      // Only a programming error (bad fd, double add) gets here.
      LOG_ERROR("epoll_ctl(%s, fd %d): %s", op == EPOLL_CTL_ADD ? "add" : "mod", channel->fd(),
                std::strerror(errno));
      return;
    }
    channel->set_registered(true);
  }

  void remove(Channel* channel) override {
    if (::epoll_ctl(epfd_, EPOLL_CTL_DEL, channel->fd(), nullptr) < 0) {
      LOG_ERROR("epoll_ctl(del, fd %d): %s", channel->fd(), std::strerror(errno));
    }
    channel->set_registered(false);
  }

 private:
  static constexpr size_t kInitialEvents = 128;

  static uint32_t translate(uint32_t ev) {
    uint32_t out = 0;
    if (ev & (EPOLLIN | EPOLLPRI | EPOLLRDHUP)) out |= Channel::kReadable;
    if (ev & EPOLLOUT) out |= Channel::kWritable;
    if (ev & EPOLLERR) out |= Channel::kError;
    if (ev & EPOLLHUP) out |= Channel::kHangup;
    return out;
  }

  int epfd_;
  std::vector<epoll_event> events_;
};

}  // namespace

std::unique_ptr<Poller> make_epoll_poller() { return std::make_unique<EpollPoller>(); }

}  // namespace portico::net
