// TlsContext: the current certificate snapshot, reloads (explicit or on file change), transports.
#include "portico/tls/tls_context.h"

#include <sys/stat.h>

#include <atomic>
#include <ctime>
#include <mutex>

#include "portico/base/log.h"
#include "tls/certificate_loader.h"
#include "tls/context_snapshot.h"
#include "tls/tls_transport.h"

namespace portico::tls {
namespace {

// What identifies a file version without reading it: a rewrite in place changes mtime/size,
// an atomic rename (the usual certbot/ACME pattern) changes the inode.
struct FileStamp {
  bool exists = false;
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  int64_t mtime_ns = 0;

  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::string& path) {
  FileStamp s;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return s;
  s.exists = true;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.size = st.st_size;
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return s;
}

std::vector<std::string> watched_files(const TlsOptions& o) {
  std::vector<std::string> files;
  for (const auto& c : o.certificates) {
    files.push_back(c.cert_file);
    files.push_back(c.key_file);
  }
  if (!o.client_ca_file.empty()) files.push_back(o.client_ca_file);
  return files;
}

std::vector<FileStamp> stamps_of(const std::vector<std::string>& files) {
  std::vector<FileStamp> out;
  out.reserve(files.size());
  for (const auto& f : files) out.push_back(stamp_of(f));
  return out;
}

int64_t now_unix() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

struct TlsContext::Impl {
  TlsOptions options;
  std::shared_ptr<TicketKeyRing> tickets;
  std::atomic<std::shared_ptr<const ContextSnapshot>> current;
  std::vector<std::string> initial_warnings;
  std::vector<std::string> files;

  std::mutex reload_mutex;        // serializes reloads; never taken on the connection path
  std::vector<FileStamp> stamps;  // of the last load attempt (guarded by reload_mutex)
  std::atomic<uint64_t> generation{1};
};

std::shared_ptr<TlsContext> TlsContext::create(TlsOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->files = watched_files(impl->options);
  impl->stamps = stamps_of(impl->files);
  impl->tickets = std::make_shared<TicketKeyRing>(impl->options.ticket_key_rotation_s,
                                                  impl->options.session_lifetime_s);
  std::shared_ptr<const ContextSnapshot> snap =
      build_snapshot(impl->options, impl->tickets, now_unix());
  impl->initial_warnings = snap->warnings;
  impl->current.store(std::move(snap));
  std::shared_ptr<TlsContext> ctx(new TlsContext(std::move(impl)));
  ctx->self_ = ctx;
  return ctx;
}

TlsContext::TlsContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TlsContext::~TlsContext() = default;

const std::vector<std::string>& TlsContext::warnings() const { return impl_->initial_warnings; }

std::vector<std::string> TlsContext::names() const {
  return impl_->current.load(std::memory_order_acquire)->served_names;
}

const TlsOptions& TlsContext::options() const { return impl_->options; }

uint64_t TlsContext::generation() const {
  return impl_->generation.load(std::memory_order_relaxed);
}

std::unique_ptr<net::Transport> TlsContext::make_transport(int fd) const {
  return TlsTransport::create(fd, impl_->current.load(std::memory_order_acquire));
}

net::TcpServer::TransportFactory TlsContext::transport_factory() {
  std::shared_ptr<TlsContext> self = self_.lock();
  return [self](int fd) { return self->make_transport(fd); };
}

ReloadResult TlsContext::reload() {
  std::lock_guard<std::mutex> lock(impl_->reload_mutex);
  ReloadResult result;
  impl_->stamps = stamps_of(impl_->files);
  try {
    std::shared_ptr<const ContextSnapshot> snap =
        build_snapshot(impl_->options, impl_->tickets, now_unix());
    result.warnings = snap->warnings;
    impl_->current.store(std::move(snap), std::memory_order_release);
    uint64_t gen = impl_->generation.fetch_add(1, std::memory_order_relaxed) + 1;
    result.reloaded = true;
    LOG_INFO("TLS: certificates reloaded (generation %llu): %s",
             static_cast<unsigned long long>(gen), join_names(names()).c_str());
    for (const auto& w : result.warnings) LOG_WARN("TLS: %s", w.c_str());
  } catch (const std::exception& e) {
    result.error = e.what();
    LOG_ERROR("TLS: reload failed, keeping the current certificates: %s", e.what());
  }
  return result;
}

ReloadResult TlsContext::reload_if_changed() {
  {
    std::lock_guard<std::mutex> lock(impl_->reload_mutex);
    if (stamps_of(impl_->files) == impl_->stamps) return {};
  }
  LOG_INFO("TLS: certificate files changed; reloading");
  return reload();
}

}  // namespace portico::tls
