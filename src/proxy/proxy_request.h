// ProxyRequest: one client request on its way through the proxy: server choice, name lookup,
// connection (pooled or new), request and response streaming, retries and the error answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/exchange.h"
#include "portico/net/tcp_client.h"
#include "proxy/proxy_worker.h"
#include "proxy/upstream_connection.h"

namespace portico::proxy {

class ProxyRequest final : public UpstreamOwner, public std::enable_shared_from_this<ProxyRequest> {
 public:
  ProxyRequest(std::shared_ptr<ProxyWorker> worker, std::shared_ptr<http::Exchange> exchange);
  ~ProxyRequest() override;

  // Answers at once (redirect, 503, Max-Forwards) or starts the first attempt.
  void start();

  // --- UpstreamOwner ---
  void on_upstream_head(const ResponseHead& head) override;
  bool on_upstream_body(std::string_view data) override;
  void on_upstream_end() override;
  void on_upstream_writable() override;
  void on_upstream_failed(UpstreamFailure failure, bool response_started) override {
    on_upstream_failed(failure, response_started, {});
  }
  void on_upstream_failed(UpstreamFailure failure, bool response_started,
                          std::string_view detail) override;

 private:
  // Why an attempt failed, as far as the client's answer and the retry decision go.
  enum class Cause : uint8_t { kRefused, kReset, kTimeout, kBadResponse, kNoAddress };

  std::optional<size_t> pick();
  void attempt();
  void connect(const net::InetAddress& address);
  void on_connected(net::TcpConnection& conn);
  void send_request(net::TcpConnection& conn);
  void attempt_failed(Cause cause, bool response_started, std::string_view detail);
  bool may_retry(bool response_started) const;
  void answer_error(http::Status status, std::string_view reason);
  void answer_redirect();

  bool on_client_data(std::string_view data);
  void on_client_end();
  void on_client_drain();
  void on_client_gone();

  net::TcpConnection* upstream() const;
  UpstreamConnection* upstream_handler() const;
  void release_server();
  void close_upstream();
  void finish();
  void note(std::string_view reason);

  std::shared_ptr<ProxyWorker> worker_;
  std::shared_ptr<http::Exchange> exchange_;
  net::EventLoop* loop_;
  const ProxyOptions& options_;

  std::vector<size_t> tried_;
  std::optional<size_t> server_;  // the server of the current attempt
  bool server_counted_ = false;   // request_started() called for server_
  uint32_t attempts_ = 0;
  uint32_t fresh_retries_ = 0;  // retries because a pooled connection was stale
  bool from_pool_ = false;
  uint64_t conn_id_ = 0;
  std::unique_ptr<net::TcpClient> connector_;
  DnsRequestId dns_;
  std::string sticky_cookie_;   // the client's sticky cookie, if any
  std::string hash_key_;        // the consistent-hash key of this request
  std::string client_address_;  // for ip-hash
  bool upgrade_ = false;        // forwarding an Upgrade request
  BodyFraming framing_ = BodyFraming::kNone;

  // Request body: bytes not yet given to an upstream connection, and a copy of those already
  // given while they fit the replay buffer (for a retry).
  std::string pending_;
  std::string replay_;
  uint64_t body_sent_ = 0;
  bool client_ended_ = false;   // the whole body arrived (or, in a tunnel, the client's FIN)
  bool client_paused_ = false;  // on_client_data returned false

  bool head_sent_ = false;  // the client got a response head
  bool tunnel_ = false;
  bool upstream_ended_ = false;  // tunnel: the upstream's FIN
  bool done_ = false;
};

}  // namespace portico::proxy
