// SignalChannel: signalfd-backed signal delivery on a loop.
#include "net/signal_channel.h"

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "net/channel.h"
#include "portico/base/log.h"
#include "portico/net/event_loop.h"

namespace portico::net {

void block_signals(const std::vector<int>& signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : signals) {
    if (sigaddset(&set, sig) < 0) {
      throw std::system_error(errno, std::generic_category(), "block_signals: bad signal");
    }
  }
  int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "pthread_sigmask");
}

SignalChannel::SignalChannel(EventLoop* loop) : loop_(loop) {}

SignalChannel::~SignalChannel() {
  if (channel_) channel_->remove();
  if (fd_ >= 0) ::close(fd_);
}

void SignalChannel::add(const std::vector<int>& signals, std::function<void(int)> handler) {
  block_signals(signals);
  auto shared = std::make_shared<std::function<void(int)>>(std::move(handler));
  for (int sig : signals) handlers_[sig] = shared;

  sigset_t set;
  sigemptyset(&set);
  for (const auto& [sig, fn] : handlers_) sigaddset(&set, sig);
  // Passing the existing fd replaces its mask.
  int fd = ::signalfd(fd_, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "signalfd");
  if (fd_ < 0) {
    fd_ = fd;
    channel_ = std::make_unique<Channel>(loop_, fd_);
    channel_->set_callback([this](uint32_t) { handle_read(); });
    channel_->enable_reading();
  }
}

void SignalChannel::handle_read() {
  // Edge-triggered: drain every queued signal.
  while (true) {
    signalfd_siginfo info;
    ssize_t n = ::read(fd_, &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN) LOG_ERROR("signalfd read: %s", std::strerror(errno));
      return;
    }
    int sig = static_cast<int>(info.ssi_signo);
    auto it = handlers_.find(sig);
    if (it == handlers_.end()) continue;
    auto fn = it->second;  // the handler may replace itself
    (*fn)(sig);
  }
}

}  // namespace portico::net
