// Chooses the Poller implementation for a Backend.
#include "net/poller.h"

namespace portico::net {

std::unique_ptr<Poller> Poller::create(Backend backend) {
  switch (backend) {
    case Backend::kEpoll: return make_epoll_poller();
    case Backend::kPoll: return make_poll_poller();
  }
  return make_epoll_poller();
}

}  // namespace portico::net
