// `portico cert self-signed`: a development certificate written atomically, the key private.
#include "server/cert_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "portico/tls/self_signed.h"
#include "server/cli.h"

namespace portico::server {
namespace {

// Writes through a temporary file and rename(2), so a running server that polls the files never
// reads half a certificate, and the key is never readable by others, not even briefly.
void write_file_atomically(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("cannot write '" + tmp + "': " + std::strerror(errno));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error("cannot write '" + tmp + "': " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  ::fchmod(fd, mode);  // O_CREAT's mode is filtered by the umask; the key must stay 0600
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write '" + tmp + "': " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot rename '" + tmp + "' to '" + path +
                             "': " + std::strerror(err));
  }
}

}  // namespace

int run_cert_self_signed(const CertOptions& o) {
  if (!tls::valid_certificate_name(o.name)) {
    std::fprintf(stderr, "portico: --name '%s': expected a host name or IP address\n",
                 o.name.c_str());
    return kExitUsage;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "portico: --out '%s': %s\n", o.out_dir.c_str(), ec.message().c_str());
    return kExitFailure;
  }
  std::string cert_path = (fs::path(o.out_dir) / "cert.pem").string();
  std::string key_path = (fs::path(o.out_dir) / "key.pem").string();
  if (!o.force) {
    for (const auto& p : {cert_path, key_path}) {
      if (fs::exists(p, ec)) {
        std::fprintf(stderr, "portico: '%s' exists (use --force to replace it)\n", p.c_str());
        return kExitFailure;
      }
    }
  }
  try {
    tls::SelfSignedCertificate cert = tls::make_self_signed_certificate(o.name, o.days);
    write_file_atomically(key_path, cert.key_pem, 0600);
    write_file_atomically(cert_path, cert.cert_pem, 0644);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico: %s\n", e.what());
    return kExitFailure;
  }
  std::printf("wrote %s and %s (ECDSA P-256, %s, %d days)\n", cert_path.c_str(), key_path.c_str(),
              o.name.c_str(), o.days);
  return kExitOk;
}

}  // namespace portico::server
