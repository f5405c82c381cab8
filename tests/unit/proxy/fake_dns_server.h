// A tiny authoritative DNS server over UDP on 127.0.0.1 for resolver tests: A/AAAA answers with
// chosen TTLs, chosen error codes, or silence, and a count of the questions it received.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
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
  };

  static constexpr uint16_t kTypeA = 1;
  static constexpr uint16_t kTypeAAAA = 28;

  FakeDnsServer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
      throw std::runtime_error("fake dns: cannot bind");
    }
    port_ = ntohs(sin.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDnsServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
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

 private:
  void serve() {
    while (!stop_) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) != 1) continue;
      unsigned char buf[512];
      sockaddr_in from{};
      socklen_t flen = sizeof from;
      const ssize_t n =
          ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen);
      if (n < 12) continue;
      std::vector<unsigned char> reply;
      if (!answer(buf, static_cast<size_t>(n), reply)) continue;
      ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
    }
  }

  // Builds the reply to one query; false: stay silent.
  bool answer(const unsigned char* q, size_t n, std::vector<unsigned char>& out) {
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
      auto it = zones_.find(name);
      if (it == zones_.end()) {
        zone.rcode = 3;
      } else {
        zone = it->second;
      }
    }
    if (zone.drop) return false;

    std::vector<std::vector<unsigned char>> answers;
    for (const Record& r : zone.rcode == 0 ? zone.records : std::vector<Record>{}) {
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
    out[2] = static_cast<unsigned char>(0x80 | 0x04 | (q[2] & 0x01));
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
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, Zone> zones_;
  std::vector<std::string> questions_;
};

}  // namespace portico::proxy::testing
