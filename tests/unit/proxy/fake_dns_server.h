// A tiny authoritative DNS server on 127.0.0.1 for resolver tests: A/AAAA answers with chosen
// TTLs, chosen error codes, or silence, and a count of the questions it received. Over UDP, and
// over TCP (RFC 1035 4.2.2, on the same port) for names whose UDP answer is marked truncated.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace portico::proxy::testing {

class FakeDnsServer {
 public:
  struct Record {
    std::string address;  // "10.0.0.1" (A) or "2001:db8::1" (AAAA)
    uint32_t ttl = 300;
  };
  struct Zone {
    std::vector<Record> records;  // A and AAAA mixed; each question gets those of its type
    uint8_t rcode = 0;            // 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED
    bool drop = false;            // never answer (the client times out)
    // Answer UDP with TC set and no records, so the client retries over TCP.
    bool truncate = false;
    // Write the TCP answer a few bytes at a time with pauses, as a slow network would deliver
    // it; otherwise in one write.
    bool tcp_in_pieces = false;
  };

  static constexpr uint16_t kTypeA = 1;
  static constexpr uint16_t kTypeAAAA = 28;

  FakeDnsServer() {
    // A UDP port whose TCP twin is free too (they are separate namespaces; usually both are).
    for (int attempt = 0; attempt < 20 && tcp_fd_ < 0; ++attempt) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = bound_socket(SOCK_DGRAM, 0);
      tcp_fd_ = bound_socket(SOCK_STREAM, port_);
    }
    if (fd_ < 0 || tcp_fd_ < 0 || ::listen(tcp_fd_, 16) != 0) {
      throw std::runtime_error("fake dns: cannot bind");
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDnsServer() {
    stop_ = true;
    thread_.join();
    for (std::thread& t : tcp_threads_) t.join();
    ::close(fd_);
    ::close(tcp_fd_);
  }
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  // "127.0.0.1:PORT", for DnsOptions::servers.
  std::string servers() const { return "127.0.0.1:" + std::to_string(port_); }

  void set_zone(const std::string& name, Zone zone) {
    std::lock_guard lock(mu_);
    zones_[name] = std::move(zone);
  }
  // Questions received for `name` (any type), or for every name when empty.
  int queries(const std::string& name = "") const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& q : questions_) n += name.empty() || q == name ? 1 : 0;
    return n;
  }
  // Questions received over TCP.
  int tcp_queries() const {
    std::lock_guard lock(mu_);
    return tcp_questions_;
  }

 private:
  // Binds 127.0.0.1:port (0: any) and records the port; -1 on failure.
  int bound_socket(int type, uint16_t port) {
    const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(port);
    socklen_t len = sizeof sin;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
      if (fd >= 0) ::close(fd);
      return -1;
    }
    port_ = ntohs(sin.sin_port);
    return fd;
  }

  void serve() {
    while (!stop_) {
      pollfd pfds[2] = {{fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}};
      if (::poll(pfds, 2, 20) < 1) continue;
      if (pfds[1].revents & POLLIN) {
        // Each TCP connection on its own thread, so UDP questions are answered meanwhile.
        const int c = ::accept4(tcp_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) tcp_threads_.emplace_back([this, c] { serve_tcp(c); });
      }
      if ((pfds[0].revents & POLLIN) == 0) continue;
      unsigned char buf[512];
      sockaddr_in from{};
      socklen_t flen = sizeof from;
      const ssize_t n =
          ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen);
      if (n < 12) continue;
      std::vector<unsigned char> reply;
      if (!answer(buf, static_cast<size_t>(n), false, reply)) continue;
      ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
    }
  }

  // Reads exactly n bytes; false on EOF or when the server stops.
  bool read_exactly(int fd, unsigned char* out, size_t n) {
    while (n > 0 && !stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) != 1) continue;
      const ssize_t r = ::recv(fd, out, n, 0);
      if (r <= 0) return false;
      out += r;
      n -= static_cast<size_t>(r);
    }
    return n == 0;
  }

  // One TCP connection: length-prefixed queries until the client closes, each answer written
  // whole or in small pieces.
  void serve_tcp(int c) {
    for (;;) {
      unsigned char len[2];
      if (!read_exactly(c, len, 2)) break;
      const size_t n = static_cast<size_t>(len[0] << 8 | len[1]);
      std::vector<unsigned char> q(n);
      if (n < 12 || !read_exactly(c, q.data(), n)) break;
      std::vector<unsigned char> reply;
      bool pieces = false;
      if (!answer(q.data(), n, true, reply, &pieces)) continue;
      reply.insert(reply.begin(), {static_cast<unsigned char>(reply.size() >> 8),
                                   static_cast<unsigned char>(reply.size())});
      const size_t piece = pieces ? 7 : reply.size();
      for (size_t off = 0; off < reply.size(); off += piece) {
        const size_t k = std::min<size_t>(piece, reply.size() - off);
        ::send(c, reply.data() + off, k, MSG_NOSIGNAL);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    ::close(c);
  }

  // Builds the reply to one query; false: stay silent.
  bool answer(const unsigned char* q, size_t n, bool tcp, std::vector<unsigned char>& out,
              bool* tcp_in_pieces = nullptr) {
    // Question: labels from offset 12, then QTYPE and QCLASS.
    size_t pos = 12;
    std::string name;
    while (pos < n && q[pos] != 0) {
      const size_t len = q[pos];
      if (len > 63 || pos + 1 + len > n) return false;
      if (!name.empty()) name += '.';
      for (size_t i = 0; i < len; ++i) name += static_cast<char>(std::tolower(q[pos + 1 + i]));
      pos += 1 + len;
    }
    if (pos + 5 > n) return false;
    const uint16_t qtype = static_cast<uint16_t>(q[pos + 1] << 8 | q[pos + 2]);
    const size_t question_end = pos + 5;

    Zone zone;
    {
      std::lock_guard lock(mu_);
      questions_.push_back(name);
      if (tcp) ++tcp_questions_;
      auto it = zones_.find(name);
      if (it == zones_.end()) {
        zone.rcode = 3;
      } else {
        zone = it->second;
      }
    }
    if (zone.drop) return false;
    if (tcp_in_pieces != nullptr) *tcp_in_pieces = zone.tcp_in_pieces;

    const bool truncated = zone.truncate && !tcp;
    std::vector<std::vector<unsigned char>> answers;
    for (const Record& r : zone.rcode == 0 && !truncated ? zone.records : std::vector<Record>{}) {
      unsigned char addr[16];
      const bool v6 = r.address.find(':') != std::string::npos;
      if ((v6 ? kTypeAAAA : kTypeA) != qtype) continue;
      if (::inet_pton(v6 ? AF_INET6 : AF_INET, r.address.c_str(), addr) != 1) continue;
      const size_t alen = v6 ? 16 : 4;
      std::vector<unsigned char> rr = {0xc0,
                                       0x0c,  // the name: a pointer to the question
                                       static_cast<unsigned char>(qtype >> 8),
                                       static_cast<unsigned char>(qtype),
                                       0,
                                       1,  // class IN
                                       static_cast<unsigned char>(r.ttl >> 24),
                                       static_cast<unsigned char>(r.ttl >> 16),
                                       static_cast<unsigned char>(r.ttl >> 8),
                                       static_cast<unsigned char>(r.ttl),
                                       0,
                                       static_cast<unsigned char>(alen)};
      rr.insert(rr.end(), addr, addr + alen);
      answers.push_back(std::move(rr));
    }
    // Header: same id; QR, AA, RD as asked, RA; the rcode; one question; the answers.
    out.assign(q, q + question_end);
    out[2] = static_cast<unsigned char>(0x80 | 0x04 | (truncated ? 0x02 : 0) | (q[2] & 0x01));
    out[3] = static_cast<unsigned char>(0x80 | (zone.rcode & 0x0f));
    out[4] = 0;
    out[5] = 1;
    out[6] = 0;
    out[7] = static_cast<unsigned char>(answers.size());
    for (int i = 8; i < 12; ++i) out[i] = 0;
    for (const auto& rr : answers) out.insert(out.end(), rr.begin(), rr.end());
    return true;
  }

  int fd_ = -1;
  int tcp_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> tcp_threads_;  // touched by thread_ only, joined after it
  mutable std::mutex mu_;
  std::map<std::string, Zone> zones_;
  std::vector<std::string> questions_;
  int tcp_questions_ = 0;
};

}  // namespace portico::proxy::testing
