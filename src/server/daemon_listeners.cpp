// Listener changes on reload: open the new, keep the unchanged, close the removed.
#include "server/daemon_listeners.h"

#include <exception>

#include "portico/base/log.h"
#include "server/config_tls.h"

namespace portico::server {
namespace {

bool same_socket_options(const net::ListenOptions& a, const net::ListenOptions& b) {
  return a.backlog == b.backlog && a.reuse_port == b.reuse_port && a.tcp_nodelay == b.tcp_nodelay &&
         a.defer_accept == b.defer_accept && a.defer_accept_seconds == b.defer_accept_seconds &&
         a.fastopen_queue == b.fastopen_queue && a.keepalive == b.keepalive;
}

}  // namespace

http::Listener make_listener_spec(
    const ListenerConfig& config, const http::RequestLimits& limits, std::shared_ptr<TlsSlot>* slot,
    const std::shared_ptr<net::ClientConnectionLimiter>& connection_limiter) {
  http::Listener spec;
  spec.address = config.addr.to_string();
  spec.options = config.options;
  slot->reset();
  if (config.tls) {
    auto s = std::make_shared<TlsSlot>(*config.tls, make_tls_context(*config.tls));
    spec.transport = [s](int fd) { return s->context()->make_transport(fd); };
    // A client that never finishes the handshake is dropped after the header timeout.
    spec.options.idle_timeout_ms = limits.header_timeout_ms;
    *slot = std::move(s);
  }
  if (connection_limiter) {
    spec.transport = net::limit_connections_per_client(connection_limiter, spec.transport);
  }
  return spec;
}

std::string ListenerSet::url(const Active& a) {
  return std::string(a.tls ? "https://" : "http://") + a.bound.to_string() + "/";
}

std::vector<std::string> ListenerSet::urls() const {
  std::vector<std::string> out;
  for (const Active& a : active_) out.push_back(url(a));
  return out;
}

void ListenerSet::adopt_started(const std::vector<ListenerConfig>& configs,
                                std::vector<std::shared_ptr<TlsSlot>> slots) {
  std::vector<net::InetAddress> bound = server_.listen_addresses();
  for (size_t i = 0; i < configs.size() && i < bound.size(); ++i) {
    active_.push_back(Active{configs[i], bound[i], slots[i]});
    LOG_INFO("listening on %s", url(active_.back()).c_str());
  }
}

bool ListenerSet::prepare(const Config& next) {
  next_.clear();
  opened_.clear();
  tls_changes_.clear();
  for (const ListenerConfig& lc : next.listeners) {
    const Active* old = nullptr;
    for (const Active& a : active_) {
      if (a.config.addr == lc.addr) old = &a;
    }
    if (old) {
      // The socket stays. What a socket was created with cannot change under it.
      Active kept = *old;
      if (!same_socket_options(old->config.options, lc.options) ||
          (old->tls != nullptr) != lc.tls.has_value()) {
        LOG_WARN(
            "reload: listener %s: changed socket options or TLS on/off take effect on "
            "restart; it keeps its current settings",
            lc.address.c_str());
      } else if (lc.tls) {
        TlsSettings current = old->tls->settings();
        if (current == *lc.tls) {
          tls_changes_.push_back(TlsChange{old->tls, *lc.tls, nullptr});
        } else {
          try {
            tls_changes_.push_back(TlsChange{old->tls, *lc.tls, make_tls_context(*lc.tls)});
          } catch (const std::exception& e) {
            LOG_ERROR("reload: listener %s: %s", lc.address.c_str(), e.what());
            rollback();
            return false;
          }
        }
        kept.config = lc;
      } else {
        kept.config = lc;
      }
      next_.push_back(std::move(kept));
      continue;
    }
    try {
      std::shared_ptr<TlsSlot> slot;
      http::Listener spec = make_listener_spec(lc, next.limits, &slot, connection_limiter_);
      net::InetAddress bound = server_.add_listener(spec);
      opened_.push_back(bound);
      next_.push_back(Active{lc, bound, std::move(slot)});
    } catch (const std::exception& e) {
      LOG_ERROR("reload: listener %s: %s", lc.address.c_str(), e.what());
      rollback();
      return false;
    }
  }
  return true;
}

void ListenerSet::rollback() {
  for (const net::InetAddress& bound : opened_) server_.remove_listener(bound);
  opened_.clear();
  next_.clear();
  tls_changes_.clear();
}

void ListenerSet::commit() {
  for (const Active& a : active_) {
    bool stays = false;
    for (const Active& n : next_) stays = stays || n.bound == a.bound;
    if (stays) continue;
    server_.remove_listener(a.bound);
    LOG_INFO("closed listener %s", url(a).c_str());
  }
  for (TlsChange& c : tls_changes_) {
    if (c.context) {
      c.slot->replace(c.settings, std::move(c.context));
      continue;
    }
    // Same files: pick up certificates renewed in place.
    tls::ReloadResult r = c.slot->context()->reload();
    if (!r.error.empty())
      LOG_WARN("reload: TLS certificate '%s': %s", c.settings.cert.c_str(), r.error.c_str());
  }
  for (const net::InetAddress& bound : opened_) {
    for (const Active& n : next_) {
      if (n.bound == bound) LOG_INFO("listening on %s", url(n).c_str());
    }
  }
  active_ = std::move(next_);
  next_.clear();
  opened_.clear();
  tls_changes_.clear();
}

}  // namespace portico::server
