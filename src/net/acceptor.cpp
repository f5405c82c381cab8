// Acceptor: bind/listen, the accept4 loop, and back-off when the process runs out of fds.
#include "net/acceptor.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "portico/base/log.h"

namespace portico::net {
namespace {

[[noreturn]] void throw_listen_error(const InetAddress& addr, const char* step, int err) {
  throw std::system_error(err, std::generic_category(), "listen " + addr.to_string() + ": " + step);
}

// Opens the socket in the member initializer list so the Channel can be built with its fd.
int open_listener(const InetAddress& addr) {
  int fd = sockets::create_tcp(addr);
  if (fd < 0) throw_listen_error(addr, "socket", errno);
  return fd;
}

}  // namespace

Acceptor::Acceptor(EventLoop* loop, const InetAddress& addr, const ListenOptions& options)
    : loop_(loop), socket_(open_listener(addr)), bound_(addr), channel_(loop, socket_.fd()) {
  int fd = socket_.fd();
  // SO_REUSEADDR: restart while old connections sit in TIME_WAIT on this port.
  if (!sockets::set_reuse_addr(fd, true)) throw_listen_error(addr, "SO_REUSEADDR", errno);
  if (options.reuse_port && !sockets::set_reuse_port(fd, true)) {
    throw_listen_error(addr, "SO_REUSEPORT", errno);
  }
  if (::bind(fd, addr.sockaddr_ptr(), addr.sockaddr_len()) < 0) {
    throw_listen_error(addr, "bind", errno);
  }
  if (options.defer_accept && !sockets::set_defer_accept(fd, options.defer_accept_seconds)) {
    throw_listen_error(addr, "TCP_DEFER_ACCEPT", errno);
  }
  if (options.fastopen_queue > 0 && !sockets::set_fastopen(fd, options.fastopen_queue)) {
    throw_listen_error(addr, "TCP_FASTOPEN", errno);
  }
  if (::listen(fd, options.backlog) < 0) throw_listen_error(addr, "listen", errno);
  if (auto local = sockets::local_address(fd)) bound_ = *local;
  channel_.set_callback([this](uint32_t) { handle_read(); });
}

Acceptor::~Acceptor() {
  loop_->cancel(retry_timer_);
  channel_.remove();
}

void Acceptor::start() {
  loop_->assert_in_loop_thread();
  channel_.enable_reading();
}

void Acceptor::handle_read() {
  for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = ::accept4(socket_.fd(), reinterpret_cast<sockaddr*>(&ss), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      ++loop_->stats().accepted;
      auto peer = InetAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
      if (callback_) {
        callback_(fd, peer.value_or(InetAddress()));
      } else {
        ::close(fd);
      }
      continue;
    }
    switch (errno) {
      case EAGAIN: return;  // drained (EWOULDBLOCK is the same value on Linux)
      case EINTR:
      // Linux reports network errors already pending on the new socket from accept(); that
      // connection is lost, the listener is fine (accept(2), "Error handling").
      case ECONNABORTED:
      case EPROTO:
      case ENOPROTOOPT:
      case EHOSTDOWN:
      case ENONET:
      case EHOSTUNREACH:
      case EOPNOTSUPP:
      case ENETUNREACH:
      case ENETDOWN:
      case EPERM:  // rejected by a firewall rule
        continue;
      default:
        // EMFILE/ENFILE/ENOBUFS/ENOMEM, or anything unexpected: the pending connection stays
        // queued and the listener stays readable, so retrying now would spin.
        pause_accepting(errno);
        return;
    }
  }
  // Budget used up with connections possibly still queued. Re-registering makes epoll
  // re-check readiness (an edge already consumed is not reported again); poll needs nothing.
  channel_.disable_reading();
  channel_.enable_reading();
}

void Acceptor::pause_accepting(int err) {
  log_rate_limited(err);
  channel_.disable_reading();
  loop_->cancel(retry_timer_);
  retry_timer_ = loop_->run_after(std::chrono::milliseconds(kExhaustedRetryMs), [this] {
    retry_timer_ = TimerId{};
    channel_.enable_reading();  // re-evaluates readiness: queued connections are reported
  });
}

void Acceptor::log_rate_limited(int err) {
  // One budget for the whole process: with a listener per loop, every loop hits EMFILE at
  // about the same moment, and one line a second is what an operator needs.
  static std::atomic<int64_t> last_log_ms{-1};
  static std::atomic<uint64_t> suppressed{0};
  int64_t now = loop_->now_ms();
  int64_t last = last_log_ms.load(std::memory_order_relaxed);
  if ((last >= 0 && now - last < 1000) ||
      !last_log_ms.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
    suppressed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  uint64_t more = suppressed.exchange(0, std::memory_order_relaxed);
  if (more > 0) {
    LOG_WARN("accept on %s: %s; pausing accepts for %lld ms (%llu more since last report)",
             bound_.to_string().c_str(), std::strerror(err),
             static_cast<long long>(kExhaustedRetryMs), static_cast<unsigned long long>(more));
  } else {
    LOG_WARN("accept on %s: %s; pausing accepts for %lld ms", bound_.to_string().c_str(),
             std::strerror(err), static_cast<long long>(kExhaustedRetryMs));
  }
}

}  // namespace portico::net
