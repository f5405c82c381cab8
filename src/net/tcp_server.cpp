// TcpServer: listeners per loop (or one shared), connection creation and bookkeeping.
#include "portico/net/tcp_server.h"

#include <unistd.h>

#include <exception>
#include <unordered_set>

#include "net/acceptor.h"
#include "net/socket.h"
#include "portico/base/log.h"

namespace portico::net {

// Per-loop state. connections is touched only on that loop's thread.
struct TcpServer::LoopSlot {
  EventLoop* loop = nullptr;
  std::unique_ptr<Acceptor> acceptor;  // reuse_port mode
  std::unordered_set<uint64_t> connections;
};

TcpServer::TcpServer(EventLoop* base_loop, std::vector<EventLoop*> worker_loops, InetAddress addr,
                     ListenOptions options)
    : base_loop_(base_loop), addr_(addr), options_(options), bound_(addr) {
  if (worker_loops.empty()) worker_loops.push_back(base_loop);
  for (EventLoop* loop : worker_loops) {
    auto slot = std::make_unique<LoopSlot>();
    slot->loop = loop;
    slots_.push_back(std::move(slot));
  }
}

TcpServer::~TcpServer() {
  alive_->store(false);
  stop_accepting();
  for (auto& slot : slots_) {
    LoopSlot* s = slot.get();
    s->loop->run_in_loop_and_wait([s] {
      std::vector<uint64_t> ids(s->connections.begin(), s->connections.end());
      for (uint64_t id : ids) {
        if (TcpConnection* c = s->loop->find_connection(id)) {
          c->force_close();
          // A close whose notification is deferred (inside a handler callback) must not call
          // back into this server later.
          c->set_close_hook(nullptr);
        }
      }
      s->connections.clear();
    });
  }
}

void TcpServer::set_handler_factory(HandlerFactory factory) {
  handler_factory_ = std::move(factory);
}

void TcpServer::set_transport_factory(TransportFactory factory) {
  transport_factory_ = std::move(factory);
}

void TcpServer::start() {
  if (started_) return;
  // Bind everything first, here, so errors surface as an exception to the caller; watching
  // for connections then starts on each loop's own thread.
  if (options_.reuse_port) {
    for (size_t i = 0; i < slots_.size(); ++i) {
      InetAddress addr = addr_;
      // With port 0 the first bind picks the port; the others join it.
      if (i > 0) addr.set_port(bound_.port());
      auto acceptor = std::make_unique<Acceptor>(slots_[i]->loop, addr, options_);
      if (i == 0) bound_ = acceptor->bound_address();
      LoopSlot* slot = slots_[i].get();
      acceptor->set_callback(
          [this, slot](int fd, const InetAddress& peer) { new_connection(*slot, fd, peer); });
      slots_[i]->acceptor = std::move(acceptor);
    }
    for (auto& slot : slots_) {
      Acceptor* acceptor = slot->acceptor.get();
      slot->loop->run_in_loop_and_wait([acceptor] { acceptor->start(); });
    }
  } else {
    shared_acceptor_ = std::make_unique<Acceptor>(base_loop_, addr_, options_);
    bound_ = shared_acceptor_->bound_address();
    shared_acceptor_->set_callback([this](int fd, const InetAddress& peer) {
      LoopSlot* slot = slots_[next_slot_].get();
      next_slot_ = (next_slot_ + 1) % slots_.size();
      if (slot->loop == base_loop_) {
        new_connection(*slot, fd, peer);
        return;
      }
      // The socket travels in a shared owner so it is closed even if the task never runs.
      auto owned = std::make_shared<Socket>(fd);
      slot->loop->post([this, slot, owned, peer, alive = alive_] {
        if (!alive->load()) return;
        new_connection(*slot, owned->release(), peer);
      });
    });
    Acceptor* acceptor = shared_acceptor_.get();
    base_loop_->run_in_loop_and_wait([acceptor] { acceptor->start(); });
  }
  started_ = true;
}

void TcpServer::stop_accepting() {
  for (auto& slot : slots_) {
    if (!slot->acceptor) continue;
    LoopSlot* s = slot.get();
    s->loop->run_in_loop_and_wait([s] { s->acceptor.reset(); });
  }
  if (shared_acceptor_) {
    base_loop_->run_in_loop_and_wait([this] { shared_acceptor_.reset(); });
  }
}

void TcpServer::close_all(bool graceful) {
  for (auto& slot : slots_) {
    LoopSlot* s = slot.get();
    s->loop->run_in_loop([s, graceful, alive = alive_] {
      if (!alive->load()) return;
      std::vector<uint64_t> ids(s->connections.begin(), s->connections.end());
      for (uint64_t id : ids) {
        TcpConnection* c = s->loop->find_connection(id);
        if (c == nullptr) continue;
        if (graceful) {
          c->close();
        } else {
          c->force_close();
        }
      }
    });
  }
}

void TcpServer::new_connection(LoopSlot& slot, int fd, const InetAddress& peer) {
  EventLoop* loop = slot.loop;
  if (options_.tcp_nodelay) sockets::set_tcp_nodelay(fd, true);
  if (options_.keepalive) sockets::set_keepalive(fd, true);
  InetAddress local = sockets::local_address(fd).value_or(bound_);
  std::unique_ptr<Transport> transport =
      transport_factory_ ? transport_factory_(fd) : make_plain_transport(fd);
  if (!transport) {
    LOG_ERROR("listen %s: transport factory refused connection from %s", bound_.to_string().c_str(),
              peer.to_string().c_str());
    ::close(fd);
    return;
  }
  auto owned = std::make_unique<TcpConnection>(loop, TcpConnection::next_id(), fd, local, peer,
                                               std::move(transport));
  owned->set_limits(options_.connection_limits);
  TcpConnection& conn = loop->add_connection(std::move(owned));
  std::unique_ptr<ConnectionHandler> handler;
  try {
    if (handler_factory_) handler = handler_factory_(conn);
  } catch (const std::exception& e) {
    // Exceptions must not unwind through the loop; this connection alone is refused.
    LOG_ERROR("listen %s: handler factory failed for %s: %s", bound_.to_string().c_str(),
              peer.to_string().c_str(), e.what());
  }
  if (!handler) {
    LOG_ERROR("listen %s: no handler for connection from %s", bound_.to_string().c_str(),
              peer.to_string().c_str());
    conn.force_close();
    return;
  }
  conn.set_handler(std::move(handler));
  slot.connections.insert(conn.id());
  connection_count_.fetch_add(1, std::memory_order_relaxed);
  conn.set_close_hook([this, &slot](TcpConnection& closed) {
    slot.connections.erase(closed.id());
    connection_count_.fetch_sub(1, std::memory_order_relaxed);
  });
  if (options_.idle_timeout_ms > 0) {
    conn.set_idle_timeout(std::chrono::milliseconds(options_.idle_timeout_ms));
  }
  conn.start();
}

}  // namespace portico::net
