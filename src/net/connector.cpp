// Connector: non-blocking connect, completion via writability and SO_ERROR, timeout.
#include "net/connector.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "net/socket.h"

namespace portico::net {

Connector::Connector(EventLoop* loop, InetAddress server, int64_t timeout_ms, Done done)
    : loop_(loop), server_(server), timeout_ms_(timeout_ms), done_(std::move(done)) {}

Connector::~Connector() {
  loop_->cancel(timeout_timer_);
  loop_->cancel(deliver_timer_);
  if (channel_) channel_->remove();
  if (fd_ >= 0) ::close(fd_);
}

void Connector::start() {
  loop_->assert_in_loop_thread();
  fd_ = sockets::create_tcp(server_);
  if (fd_ < 0) {
    complete(errno);
    return;
  }
  int rc = ::connect(fd_, server_.sockaddr_ptr(), server_.sockaddr_len());
  int err = rc == 0 ? 0 : errno;
  if (rc == 0) {
    complete(sockets::is_self_connect(fd_) ? ECONNREFUSED : 0);
    return;
  }
  if (err != EINPROGRESS && err != EINTR) {
    complete(err);  // ECONNREFUSED, ENETUNREACH, EADDRNOTAVAIL (out of ports), ...
    return;
  }
  channel_ = std::make_unique<Channel>(loop_, fd_);
  channel_->set_callback([this](uint32_t) { handle_event(); });
  channel_->enable_writing();  // connect completes (or fails) by becoming writable
  if (timeout_ms_ > 0) {
    timeout_timer_ = loop_->run_after(std::chrono::milliseconds(timeout_ms_), [this] {
      timeout_timer_ = TimerId{};
      complete(ETIMEDOUT);
    });
  }
}

void Connector::handle_event() {
  int err = sockets::socket_error(fd_);
  if (err == 0 && sockets::is_self_connect(fd_)) err = ECONNREFUSED;
  complete(err);
}

void Connector::complete(int err) {
  if (completed_) return;
  completed_ = true;
  loop_->cancel(timeout_timer_);
  timeout_timer_ = TimerId{};
  if (channel_) channel_->remove();
  int fd = -1;
  if (err == 0) {
    fd = fd_;
  } else if (fd_ >= 0) {
    ::close(fd_);
  }
  fd_ = -1;
  // Delivered from a timer so the receiver may destroy this Connector in its callback.
  deliver_timer_ = loop_->run_after(std::chrono::milliseconds(0), [this, fd, err] {
    deliver_timer_ = TimerId{};
    Done done = std::move(done_);
    done(fd, err);  // may destroy *this; nothing below touches it
  });
}

}  // namespace portico::net
