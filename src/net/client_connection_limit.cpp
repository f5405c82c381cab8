// ClientConnectionLimiter: per-thread connection counts per client address, and the transport
// wrapper that holds a count for a connection's lifetime or refuses the connection.
#include "portico/net/client_connection_limit.h"

#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <unordered_map>

#include "portico/net/inet_address.h"

namespace portico::net {
namespace {

struct IpHash {
  size_t operator()(const IpAddress& a) const {
    // A multiplicative mix of both halves: addresses in one subnet differ in the low bits.
    uint64_t h = a.hi() * 0x9e3779b97f4a7c15ull ^ a.lo() * 0xc2b2ae3d27d4eb4full;
    return static_cast<size_t>(h ^ (h >> 29) ^ (a.is_ipv4() ? 1 : 0));
  }
};

}  // namespace

struct ClientConnectionLimiter::Table {
  std::unordered_map<IpAddress, uint32_t, IpHash> counts;  // only clients with connections
};

ClientConnectionLimiter::Slot::~Slot() {
  auto it = table_->counts.find(client_);
  if (it != table_->counts.end() && --it->second == 0) table_->counts.erase(it);
}

ClientConnectionLimiter::ClientConnectionLimiter(uint32_t max_per_client)
    : max_(max_per_client), tables_([] { return std::make_unique<Table>(); }) {}

ClientConnectionLimiter::~ClientConnectionLimiter() = default;

std::unique_ptr<ClientConnectionLimiter::Slot> ClientConnectionLimiter::acquire(
    const IpAddress& client) {
  Table& t = tables_.local();
  uint32_t& count = t.counts[client];
  const uint32_t max = max_per_client();
  if (max != 0 && count >= max) {
    if (count == 0) t.counts.erase(client);
    refused_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  ++count;
  return std::make_unique<Slot>(&t, client);
}

uint32_t ClientConnectionLimiter::local_count(const IpAddress& client) const {
  const Table& t = tables_.local();
  auto it = t.counts.find(client);
  return it == t.counts.end() ? 0 : it->second;
}

namespace {

// Delegates everything to the real transport; holds the connection's slot until destroyed
// (the transport lives exactly as long as its connection).
class CountedTransport final : public Transport {
 public:
  CountedTransport(std::unique_ptr<Transport> inner,
                   std::unique_ptr<ClientConnectionLimiter::Slot> slot,
                   std::shared_ptr<ClientConnectionLimiter> limiter)
      : inner_(std::move(inner)), slot_(std::move(slot)), limiter_(std::move(limiter)) {}
  ~CountedTransport() override {
    inner_.reset();
    slot_.reset();  // before limiter_: the slot points into the limiter's table
  }

  IoResult handshake() override { return inner_->handshake(); }
  IoResult read(Buffer& into) override { return inner_->read(into); }
  IoResult writev(const iovec* iov, int iovcnt) override { return inner_->writev(iov, iovcnt); }
  IoResult sendfile(int file_fd, int64_t* offset, size_t len) override {
    return inner_->sendfile(file_fd, offset, len);
  }
  IoResult shutdown_write() override { return inner_->shutdown_write(); }
  bool has_buffered_input() const override { return inner_->has_buffered_input(); }
  bool is_secure() const override { return inner_->is_secure(); }
  std::string_view alpn() const override { return inner_->alpn(); }
  const char* name() const override { return inner_->name(); }

 private:
  std::unique_ptr<Transport> inner_;
  std::unique_ptr<ClientConnectionLimiter::Slot> slot_;
  std::shared_ptr<ClientConnectionLimiter> limiter_;
};

// A connection over the limit: the handshake fails at once (ECONNABORTED: closed without a
// warning in the log, since a flood of these is exactly what the limit is for). On plain HTTP
// the client is told why first.
class RefusedTransport final : public Transport {
 public:
  RefusedTransport(int fd, bool answer_503) : fd_(fd), answer_503_(answer_503) {}

  IoResult handshake() override {
    if (answer_503_) {
      static const std::string kAnswer = [] {
        std::string body = "Too many connections from your address.\n";
        return "HTTP/1.1 503 Service Unavailable\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n"
               "Content-Length: " +
               std::to_string(body.size()) +
               "\r\n"
               "Connection: close\r\n"
               "\r\n" +
               body;
      }();
      // One best-effort send into an empty socket buffer; nothing to retry.
      (void)::send(fd_, kAnswer.data(), kAnswer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::shutdown(fd_, SHUT_WR);
    }
    return IoResult::error(ECONNABORTED);
  }
  IoResult read(Buffer&) override { return IoResult::error(ECONNABORTED); }
  IoResult writev(const iovec*, int) override { return IoResult::error(ECONNABORTED); }
  IoResult sendfile(int, int64_t*, size_t) override { return IoResult::error(ECONNABORTED); }
  IoResult shutdown_write() override { return IoResult::ok(0); }
  const char* name() const override { return "refused"; }

 private:
  int fd_;
  bool answer_503_;
};

}  // namespace

TcpServer::TransportFactory limit_connections_per_client(
    std::shared_ptr<ClientConnectionLimiter> limiter, TcpServer::TransportFactory inner) {
  return [limiter = std::move(limiter),
          inner = std::move(inner)](int fd) -> std::unique_ptr<Transport> {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    std::optional<InetAddress> peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      peer = InetAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    }
    // No address (the peer already reset): nothing to count; the connection fails on its own.
    if (!peer) return inner ? inner(fd) : make_plain_transport(fd);
    auto slot = limiter->acquire(IpAddress::from(*peer));
    if (!slot) return std::make_unique<RefusedTransport>(fd, !inner);
    std::unique_ptr<Transport> real = inner ? inner(fd) : make_plain_transport(fd);
    if (!real) return nullptr;
    return std::make_unique<CountedTransport>(std::move(real), std::move(slot), limiter);
  };
}

}  // namespace portico::net
