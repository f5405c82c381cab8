// make_proxy_handler: builds a route's shared, immutable part and hands each exchange to a
// ProxyRequest on its loop's ProxyWorker.
#include "portico/proxy/proxy_handler.h"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <utility>

#include "proxy/proxy_request.h"
#include "proxy/proxy_worker.h"

namespace portico::proxy {

bool is_idempotent(http::Method method) {
  switch (method) {
    case http::Method::kGet:
    case http::Method::kHead:
    case http::Method::kOptions:
    case http::Method::kTrace:
    case http::Method::kPut:
    case http::Method::kDelete: return true;
    default: return false;
  }
}

http::AsyncHandler make_proxy_handler(ProxyOptions options) {
  if (std::string err = options.validate(); !err.empty()) throw std::invalid_argument(err);
  static std::atomic<uint64_t> next_id{1};
  auto shared = std::make_shared<ProxyShared>();
  shared->id = next_id.fetch_add(1, std::memory_order_relaxed);
  for (const UpstreamTarget& t : options.upstreams) {
    std::string err;
    std::optional<UpstreamUrl> url = parse_upstream_url(t.url, &err);
    if (!url) throw std::invalid_argument(err);
    std::shared_ptr<tls::TlsClientContext> tls;
    if (url->https && !options.redirect) {
      tls::TlsClientOptions to;
      to.verify_peer = options.tls_verify;
      to.ca_file = options.tls_ca_file;
      to.server_name = options.tls_server_name.empty() ? url->host : options.tls_server_name;
      try {
        tls = tls::TlsClientContext::create(std::move(to));
      } catch (const std::exception& e) {
        throw std::invalid_argument("proxy: upstream '" + t.url + "': " + e.what());
      }
    }
    shared->tls.push_back(std::move(tls));
    shared->urls.push_back(std::move(*url));
  }
  shared->options = std::move(options);
  std::shared_ptr<const ProxyShared> frozen = std::move(shared);
  // Every copy of the handler holds the route token; workers watch it to know the route is
  // still in use.
  auto route = std::make_shared<const int>(0);
  return [frozen, route](std::shared_ptr<http::Exchange> exchange) {
    net::EventLoop* loop = exchange->loop();
    std::shared_ptr<ProxyWorker> worker = ProxyWorker::for_loop(loop, frozen, route);
    auto request = std::make_shared<ProxyRequest>(std::move(worker), std::move(exchange));
    request->start();
  };
}

}  // namespace portico::proxy
