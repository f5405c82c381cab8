// Kernel TLS probe: one setsockopt(TCP_ULP, "tls") on an unconnected socket, cached.
#include "tls/ktls_probe.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace portico::tls {
namespace {

KtlsSupport probe() {
  KtlsSupport out;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    out.reason = std::string("cannot probe: socket: ") + std::strerror(errno);
    return out;
  }
  // The kernel looks the ULP up (loading the module if it can) before it checks the socket
  // state: ENOENT means there is no TLS ULP; anything else (ENOTCONN for this unconnected
  // socket) means there is one.
  static const char kUlp[] = "tls";
  int rc = ::setsockopt(fd, IPPROTO_TCP, TCP_ULP, kUlp, sizeof kUlp - 1);
  int err = errno;
  ::close(fd);
  if (rc == 0 || err != ENOENT) {
    out.available = true;
  } else {
    out.reason = "the kernel has no TLS module (CONFIG_TLS / modprobe tls)";
  }
  return out;
}

}  // namespace

const KtlsSupport& kernel_tls_support() {
  static const KtlsSupport support = probe();
  return support;
}

}  // namespace portico::tls
