// Finds the process's listening sockets among its own descriptors and reads their accept
// queues from TCP_INFO, as `ss -ltn` shows them (Recv-Q: queued, Send-Q: backlog).
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <optional>

#include "portico/net/inet_address.h"
#include "server/status_report.h"

namespace portico::server {
namespace {

struct Found {
  std::string address;
  uint32_t queued = 0;
  uint32_t backlog = 0;
};

// Descriptors are only read, never changed: one closed and reused meanwhile is skipped or read
// as what it has become.
std::optional<Found> inspect(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &len) != 0 || value == 0) {
    return std::nullopt;
  }
  len = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &value, &len) != 0 || value != IPPROTO_TCP) {
    return std::nullopt;
  }
  sockaddr_storage ss{};
  len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return std::nullopt;
  auto addr = net::InetAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
  if (!addr) return std::nullopt;
  tcp_info ti{};
  len = sizeof ti;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return std::nullopt;
  // For a listening socket the kernel reports the accept queue in these two fields.
  return Found{addr->to_string(), ti.tcpi_unacked, ti.tcpi_sacked};
}

std::vector<ListenerStatus> group(const std::vector<Found>& found) {
  std::map<std::string, ListenerStatus> by_address;
  for (const Found& f : found) {
    ListenerStatus& l = by_address[f.address];
    l.address = f.address;
    l.sockets++;
    l.accept_queue += f.queued;
    l.backlog += f.backlog;
  }
  std::vector<ListenerStatus> out;
  for (auto& entry : by_address) out.push_back(std::move(entry.second));
  return out;
}

}  // namespace

std::vector<ListenerStatus> ListenerScanner::rescan() {
  fds_.clear();
  std::vector<Found> found;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return {};
  int own = ::dirfd(dir);
  while (const dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (*e->d_name == '\0' || *end != '\0' || fd == own) continue;
    if (auto f = inspect(static_cast<int>(fd))) {
      fds_.push_back(static_cast<int>(fd));
      found.push_back(std::move(*f));
    }
  }
  ::closedir(dir);
  return group(found);
}

std::vector<ListenerStatus> ListenerScanner::refresh() {
  std::vector<Found> found;
  for (int fd : fds_) {
    if (auto f = inspect(fd)) found.push_back(std::move(*f));
  }
  return group(found);
}

}  // namespace portico::server
