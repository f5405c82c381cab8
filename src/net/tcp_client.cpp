// TcpClient: connect attempts with exponential backoff, handing the connection to the loop.
#include "portico/net/tcp_client.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/connector.h"
#include "net/socket.h"
#include "portico/base/log.h"

namespace portico::net {

TcpClient::TcpClient(EventLoop* loop, InetAddress server, ConnectOptions options)
    : loop_(loop), server_(server), options_(options) {}

TcpClient::~TcpClient() { stop(); }

void TcpClient::set_handler_factory(HandlerFactory factory) {
  handler_factory_ = std::move(factory);
}
void TcpClient::set_transport_factory(TransportFactory factory) {
  transport_factory_ = std::move(factory);
}
void TcpClient::set_on_connected(std::function<void(TcpConnection&)> fn) {
  on_connected_ = std::move(fn);
}
void TcpClient::set_on_failure(std::function<void(int)> fn) { on_failure_ = std::move(fn); }
void TcpClient::set_on_retry(std::function<void(int, int)> fn) { on_retry_ = std::move(fn); }

bool TcpClient::connecting() const { return connector_ != nullptr || bool(retry_timer_); }

void TcpClient::connect() {
  loop_->assert_in_loop_thread();
  if (connecting()) return;
  attempts_ = 0;
  next_backoff_ = options_.initial_backoff;
  start_attempt();
}

void TcpClient::stop() {
  connector_.reset();
  loop_->cancel(retry_timer_);
  retry_timer_ = TimerId{};
}

void TcpClient::start_attempt() {
  ++attempts_;
  connector_ = std::make_unique<Connector>(loop_, server_, options_.connect_timeout.count(),
                                           [this](int fd, int err) { on_attempt_done(fd, err); });
  connector_->start();
}

void TcpClient::on_attempt_done(int fd, int err) {
  connector_.reset();  // safe: the Connector delivers from a timer, not its own channel
  if (fd < 0) {
    schedule_retry(err);
    return;
  }
  if (options_.tcp_nodelay) sockets::set_tcp_nodelay(fd, true);
  InetAddress local = sockets::local_address(fd).value_or(InetAddress());
  std::unique_ptr<Transport> transport =
      transport_factory_ ? transport_factory_(fd) : make_plain_transport(fd);
  if (!transport) {
    ::close(fd);
    schedule_retry(EPROTO);
    return;
  }
  auto owned = std::make_unique<TcpConnection>(loop_, TcpConnection::next_id(), fd, local, server_,
                                               std::move(transport));
  owned->set_limits(options_.connection_limits);
  TcpConnection& conn = loop_->add_connection(std::move(owned));
  std::unique_ptr<ConnectionHandler> handler = handler_factory_ ? handler_factory_(conn) : nullptr;
  if (!handler) {
    LOG_ERROR("connect %s: no handler for the connection", server_.to_string().c_str());
    conn.force_close();
    if (on_failure_) on_failure_(EINVAL);
    return;
  }
  conn.set_handler(std::move(handler));
  conn.start();
  if (conn.state() == TcpConnection::State::kClosed) {
    // The transport handshake failed at once; the handler already saw on_closed.
    if (on_failure_) on_failure_(ECONNRESET);
    return;
  }
  if (on_connected_) on_connected_(conn);  // may destroy this client
}

void TcpClient::schedule_retry(int err) {
  if (attempts_ >= std::max(1, options_.max_attempts)) {
    LOG_DEBUG("connect %s: %s after %d attempt(s)", server_.to_string().c_str(), std::strerror(err),
              attempts_);
    if (on_failure_) on_failure_(err);  // may destroy this client
    return;
  }
  auto delay = next_backoff_;
  next_backoff_ = std::min(next_backoff_ * 2, options_.max_backoff);
  retry_timer_ = loop_->run_after(delay, [this] {
    retry_timer_ = TimerId{};
    start_attempt();
  });
  if (on_retry_) on_retry_(err, attempts_);
}

}  // namespace portico::net
