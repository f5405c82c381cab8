// ConnectionRef: a handle that reaches a connection through its loop, from any thread.
#include "portico/net/tcp_connection.h"

namespace portico::net {

void ConnectionRef::send(std::string data) const {
  if (!loop_) return;
  loop_->run_in_loop([loop = loop_, id = id_, data = std::move(data)]() mutable {
    if (TcpConnection* c = loop->find_connection(id)) c->send(std::move(data));
  });
}

void ConnectionRef::close() const {
  with([](TcpConnection& c) { c.close(); });
}

void ConnectionRef::abort() const {
  with([](TcpConnection& c) { c.abort(); });
}

void ConnectionRef::with(std::function<void(TcpConnection&)> fn) const {
  if (!loop_) return;
  loop_->run_in_loop([loop = loop_, id = id_, fn = std::move(fn)] {
    if (TcpConnection* c = loop->find_connection(id)) fn(*c);
  });
}

}  // namespace portico::net
