// make_forward_proxy_handler: admission of forward proxy requests (client rules, proxy
// authentication, target parsing and rules, tunnel limits), then a tunnel or a forwarded request.
#include "portico/proxy/forward_proxy.h"

#include <memory>
#include <stdexcept>
#include <utility>

#include "portico/base/log.h"
#include "proxy/forward_request.h"
#include "proxy/forward_state.h"
#include "proxy/forward_tunnel.h"

namespace portico::proxy {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view verdict_text(AccessVerdict v) {
  switch (v) {
    case AccessVerdict::kPortDenied: return "the target port is not allowed";
    case AccessVerdict::kHostDenied: return "the target host is not allowed";
    case AccessVerdict::kNetworkDenied: return "the target address is in a denied network";
    case AccessVerdict::kClientDenied: return "your address may not use this proxy";
    case AccessVerdict::kAllowed: break;
  }
  return "allowed";
}

// One answer for every refusal: the status page with a one-line reason the user can act on.
void refuse(http::Exchange& ex, http::Status status, std::string_view target,
            std::string_view reason, std::string_view text) {
  std::string note = "target=";
  note += target.empty() ? std::string_view("-") : target;
  note += " reason=";
  note += reason;
  ex.set_log_note(std::move(note));
  http::Response r = http::Response::error(status);
  std::string body(http::reason_phrase(status));
  body += ": ";
  if (!target.empty()) {
    body += target;
    body += ": ";
  }
  body += text;
  body += '\n';
  r.set_body(std::move(body), "text/plain; charset=utf-8");
  r.set_close_connection(status != http::Status::kProxyAuthenticationRequired);
  ex.respond(std::move(r));
}

void handle(const std::shared_ptr<const ForwardShared>& shared,
            std::shared_ptr<http::Exchange> ex) {
  const http::Request& req = ex->request();
  const http::RequestHead& head = req.head();
  const bool connect = req.method() == http::Method::kConnect;

  const net::IpAddress client = net::IpAddress::from(req.peer());
  if (AccessVerdict v = shared->access.check_client(client); v != AccessVerdict::kAllowed) {
    refuse(*ex, http::Status::kForbidden, {}, to_string(v), verdict_text(v));
    return;
  }

  if (shared->auth) {
    http::Response challenge;
    const http::AuthResult r = shared->auth->check_proxy(req, challenge);
    if (!r.allowed()) {
      // Never the credentials: the user name only, which the access log shows anyway.
      ex->set_log_note(std::string("reason=auth-") + std::string(to_string(r.credentials)) +
                       (r.user.empty() ? std::string() : " user=" + r.user));
      ex->respond(std::move(challenge));
      return;
    }
  }

  ProxyTarget target;
  TargetError err = TargetError::kNone;
  if (connect) {
    err = parse_proxy_target(head.authority, 0, target);
  } else if (head.form == http::TargetForm::kAbsolute) {
    if (!iequals(head.scheme, "http")) {
      refuse(*ex, http::Status::kBadRequest, head.authority, "bad-scheme",
             "only http:// URLs are forwarded; https goes through CONNECT");
      return;
    }
    err = parse_proxy_target(head.authority, 80, target);
  } else {
    refuse(*ex, http::Status::kBadRequest, {}, "not-a-proxy-request",
           "this is a forward proxy: send CONNECT host:port or an absolute URL");
    return;
  }
  if (err != TargetError::kNone) {
    refuse(*ex, http::Status::kBadRequest, head.authority, "bad-target", to_string(err));
    return;
  }
  const std::string authority = target.authority();
  if (AccessVerdict v = shared->access.check_target(target); v != AccessVerdict::kAllowed) {
    refuse(*ex, http::Status::kForbidden, authority, to_string(v), verdict_text(v));
    return;
  }

  ForwardWorker& worker = ForwardWorker::for_loop(ex->loop(), shared);
  if (!connect) {
    auto request =
        std::make_shared<ForwardRequest>(shared, worker, std::move(ex), std::move(target));
    request->start();
    return;
  }
  std::string key = client.to_string();
  switch (shared->tunnels.acquire(key)) {
    case TunnelCounter::Admit::kOk: break;
    case TunnelCounter::Admit::kClientFull:
      refuse(*ex, http::Status::kTooManyRequests, authority, "client-tunnel-limit",
             "too many open tunnels from your address");
      return;
    case TunnelCounter::Admit::kTotalFull:
      LOG_WARN("forward-proxy: tunnel limit (%zu) reached", shared->options.max_tunnels);
      refuse(*ex, http::Status::kServiceUnavailable, authority, "tunnel-limit",
             "the proxy has too many open tunnels; try again later");
      return;
  }
  auto tunnel = std::make_shared<ForwardTunnel>(shared, worker, std::move(ex), std::move(target),
                                                std::move(key));
  tunnel->start();
}

}  // namespace

std::string ForwardProxyOptions::validate() const {
  if (access.allowed_ports.empty()) return "forward proxy: allowed ports must not be empty";
  if (connect_timeout_ms == 0) return "forward proxy: connect timeout must be positive";
  if (upstream_timeout_ms == 0) return "forward proxy: upstream timeout must be positive";
  if (max_tunnels == 0) return "forward proxy: max tunnels must be positive";
  if (max_tunnels_per_client == 0) return "forward proxy: max tunnels per client must be positive";
  if (tunnel_window_bytes < 4096) return "forward proxy: tunnel window must be at least 4096 bytes";
  if (!http::is_valid_realm(auth_realm)) return "forward proxy: invalid auth realm";
  return {};
}

bool is_forward_proxy_request(const http::Request& request) {
  return request.method() == http::Method::kConnect ||
         request.head().form == http::TargetForm::kAbsolute;
}

http::AsyncHandler make_forward_proxy_handler(const ForwardProxyOptions& options) {
  std::shared_ptr<const ForwardShared> shared = std::make_shared<ForwardShared>(options);
  return [shared](std::shared_ptr<http::Exchange> ex) { handle(shared, std::move(ex)); };
}

}  // namespace portico::proxy
