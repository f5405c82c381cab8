// c-ares on the event loop: socket-state callbacks become Channels, ares_timeout a loop timer.
#include "proxy/ares_channel.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <stdexcept>
#include <string>

namespace portico::proxy::detail {

namespace {

// ares_library_init is not thread-safe and only does work on Windows; call it once per process
// (every worker creates a resolver) and never clean up, since resolvers may live until exit.
void init_library_once() {
  static std::once_flag once;
  static int status = ARES_SUCCESS;
  std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (status != ARES_SUCCESS) {
    throw std::runtime_error(std::string("c-ares: library init failed: ") + ares_strerror(status));
  }
}

DnsError to_dns_error(int status) {
  switch (status) {
    case ARES_SUCCESS: return DnsError::kNone;
    case ARES_ENODATA:
    case ARES_ENOTFOUND:
    case ARES_ENONAME: return DnsError::kNotFound;
    case ARES_ETIMEOUT: return DnsError::kTimeout;
    // c-ares 1.18 reports SERVFAIL and REFUSED answers as ECONNREFUSED once every server has
    // failed, the same as a server whose port is closed; all mean "no server would answer".
    case ARES_ESERVFAIL:
    case ARES_ECONNREFUSED: return DnsError::kServerFailure;
    case ARES_EREFUSED: return DnsError::kRefused;
    case ARES_EFORMERR:
    case ARES_EBADRESP: return DnsError::kBadResponse;
    case ARES_EBADNAME:
    case ARES_EBADQUERY: return DnsError::kBadName;
    default: return DnsError::kOther;
  }
}

int to_ai_family(AddressFamily family) {
  switch (family) {
    case AddressFamily::kIPv4: return AF_INET;
    case AddressFamily::kIPv6: return AF_INET6;
    case AddressFamily::kAny: break;
  }
  return AF_UNSPEC;
}

// Reads bounded by this many extra rounds per readiness event (see on_socket_event).
constexpr int kMaxDrainRounds = 64;

}  // namespace

struct AresChannel::Query {
  AresChannel* channel;
  Done done;
};

AresChannel::AresChannel(net::EventLoop* loop, const DnsOptions& options) : loop_(loop) {
  init_library_once();
  ares_options opts{};
  int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS;
  opts.timeout = static_cast<int>(std::clamp<uint32_t>(options.query_timeout_ms, 1, INT_MAX));
  opts.tries = static_cast<int>(std::clamp<uint32_t>(options.tries, 1, 16));
  opts.sock_state_cb = &AresChannel::on_socket_state;
  opts.sock_state_cb_data = this;
  // "f" then "b": /etc/hosts first, then DNS, whatever nsswitch.conf says, so that names such
  // as localhost resolve without a query and behaviour does not depend on the host's setup.
  char lookups[] = "fb";
  opts.lookups = lookups;
  if (!options.search_domains) {
    // An empty search list (c-ares then ignores resolv.conf's "search"/"domain" lines).
    mask |= ARES_OPT_DOMAINS;
    opts.domains = nullptr;
    opts.ndomains = 0;
  }
  const int status = ares_init_options(&channel_, &opts, mask);
  if (status != ARES_SUCCESS) {
    throw std::runtime_error(std::string("c-ares: init failed: ") + ares_strerror(status));
  }
  if (!options.servers.empty()) {
    const int s = ares_set_servers_ports_csv(channel_, options.servers.c_str());
    if (s != ARES_SUCCESS) {
      ares_destroy(channel_);
      throw std::runtime_error("dns: invalid server list '" + options.servers +
                               "': " + ares_strerror(s));
    }
  }
}

AresChannel::~AresChannel() {
  destroying_ = true;
  // Pending queries complete with ARES_EDESTRUCTION (freed without a callback) and every
  // socket is reported closed (its Channel removed from the loop) before c-ares closes it.
  ares_destroy(channel_);
  loop_->cancel(timer_);
  for (auto& [fd, ch] : sockets_) ch->remove();
}

void AresChannel::getaddrinfo(const std::string& name, AddressFamily family, Done done) {
  ares_addrinfo_hints hints{};
  hints.ai_family = to_ai_family(family);
  hints.ai_socktype = SOCK_STREAM;  // one node per address, not one per socket type
  auto* query = new Query{this, std::move(done)};
  ares_getaddrinfo(channel_, name.c_str(), nullptr, &hints, &AresChannel::on_addrinfo, query);
  update_timer();
}

void AresChannel::on_addrinfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
  std::unique_ptr<Query> query(static_cast<Query*>(arg));
  if (status == ARES_EDESTRUCTION || query->channel->destroying_) {
    if (result != nullptr) ares_freeaddrinfo(result);
    return;
  }
  AresResult out;
  out.error = to_dns_error(status);
  if (status == ARES_SUCCESS && result != nullptr) {
    int64_t ttl = INT64_MAX;
    for (const ares_addrinfo_node* n = result->nodes; n != nullptr; n = n->ai_next) {
      auto addr = net::InetAddress::from_sockaddr(n->ai_addr, n->ai_addrlen);
      if (!addr) continue;
      addr->set_port(0);
      if (std::find(out.addresses.begin(), out.addresses.end(), *addr) != out.addresses.end()) {
        continue;
      }
      out.addresses.push_back(*addr);
      ttl = std::min<int64_t>(ttl, std::max(n->ai_ttl, 0));
    }
    // A CNAME's TTL bounds how long the chain it starts stays valid.
    for (const ares_addrinfo_cname* c = result->cnames; c != nullptr; c = c->next) {
      ttl = std::min<int64_t>(ttl, std::max(c->ttl, 0));
    }
    out.ttl_seconds = ttl == INT64_MAX ? 0 : ttl;
    if (out.addresses.empty()) out.error = DnsError::kNotFound;
  }
  if (result != nullptr) ares_freeaddrinfo(result);
  query->done(std::move(out));
}

void AresChannel::on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
  static_cast<AresChannel*>(data)->socket_state(fd, readable != 0, writable != 0);
}

void AresChannel::socket_state(int fd, bool readable, bool writable) {
  auto it = sockets_.find(fd);
  if (!readable && !writable) {
    // c-ares closes the socket right after this: unregister first (the poll backend would
    // otherwise keep polling a closed or reused fd).
    if (it == sockets_.end()) return;
    it->second->remove();
    retired_.push_back(std::move(it->second));
    sockets_.erase(it);
    return;
  }
  if (destroying_) return;
  if (it == sockets_.end()) {
    auto ch = std::make_unique<net::Channel>(loop_, fd);
    ch->set_callback([this, fd](uint32_t events) { on_socket_event(fd, events); });
    it = sockets_.emplace(fd, std::move(ch)).first;
  }
  it->second->set_interest((readable ? net::Channel::kReadable : 0u) |
                           (writable ? net::Channel::kWritable : 0u));
}

void AresChannel::on_socket_event(int fd, uint32_t events) {
  const bool read =
      (events & (net::Channel::kReadable | net::Channel::kError | net::Channel::kHangup)) != 0;
  const bool write = (events & net::Channel::kWritable) != 0;
  ares_process_fd(channel_, read ? fd : ARES_SOCKET_BAD, write ? fd : ARES_SOCKET_BAD);
  // epoll is edge-triggered, and c-ares reads a TCP answer only once per call: keep offering
  // the socket while it still has bytes, or the rest would wait for the next packet.
  for (int round = 0; read && round < kMaxDrainRounds; ++round) {
    auto it = sockets_.find(fd);
    if (it == sockets_.end() || !it->second->reading()) break;
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 0) != 1 || (pfd.revents & (POLLIN | POLLERR | POLLHUP)) == 0) break;
    ares_process_fd(channel_, fd, ARES_SOCKET_BAD);
  }
  update_timer();
  // The channel that called us is still on the stack when it was retired just now; the next
  // timer run frees it (update_timer always leaves a timer pending while retired_ is non-empty).
}

void AresChannel::process_timeouts() {
  timer_ = net::TimerId{};
  retired_.clear();  // no channel callback is running now
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  update_timer();
}

void AresChannel::update_timer() {
  timeval tv{};
  const timeval* next = ares_timeout(channel_, nullptr, &tv);
  int64_t delay_ms = -1;
  if (next != nullptr) {
    // Round up: firing a millisecond early would find nothing due and spin once more.
    delay_ms = int64_t{next->tv_sec} * 1000 + (next->tv_usec + 999) / 1000;
  } else if (!retired_.empty()) {
    delay_ms = 0;  // only to free retired channels
  }
  loop_->cancel(timer_);
  timer_ = net::TimerId{};
  if (delay_ms < 0) return;
  timer_ = loop_->run_after(std::chrono::milliseconds(delay_ms), [this] { process_timeouts(); });
}

}  // namespace portico::proxy::detail
