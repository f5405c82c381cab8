// ForwardRequest: one absolute-form request ("GET http://host/path HTTP/1.1") through the
// forward proxy: dials the origin, writes the request with hop-by-hop fields removed and Via
// added, and streams the response back; the client's connection stays open for the next one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "portico/http/exchange.h"
#include "proxy/forward_dial.h"
#include "proxy/forward_state.h"
#include "proxy/upstream_connection.h"

namespace portico::proxy {

// Each request gets its own origin connection, closed after the response (no pooling yet: a
// forward proxy's origins are many and rarely repeat within a keep-alive window).
class ForwardRequest final : public UpstreamOwner,
                             public std::enable_shared_from_this<ForwardRequest> {
 public:
  ForwardRequest(std::shared_ptr<const ForwardShared> shared, ForwardWorker& worker,
                 std::shared_ptr<http::Exchange> exchange, ProxyTarget target);
  ~ForwardRequest() override;

  void start();

  // --- UpstreamOwner ---
  void on_upstream_head(const ResponseHead& head) override;
  bool on_upstream_body(std::string_view data) override;
  void on_upstream_end() override;
  void on_upstream_writable() override;
  void on_upstream_failed(UpstreamFailure failure, bool response_started) override;

 private:
  void on_connected(net::TcpConnection& conn);
  void on_dial_failed(DialFailure failure, const std::string& detail);
  bool on_client_data(std::string_view data);
  void on_client_end();
  void on_client_drain();
  void on_client_gone();

  net::TcpConnection* upstream() const;
  UpstreamConnection* upstream_handler() const;
  void answer_error(http::Status status, std::string_view reason);
  void close_upstream();
  void finish();
  void note(std::string_view reason);

  std::shared_ptr<const ForwardShared> shared_;
  std::shared_ptr<http::Exchange> exchange_;
  net::EventLoop* const loop_;
  ProxyTarget target_;
  ForwardDialer dialer_;
  uint64_t conn_id_ = 0;
  BodyFraming framing_ = BodyFraming::kNone;
  std::string pending_;  // request body bytes that arrived before the origin connection
  bool client_ended_ = false;
  bool client_paused_ = false;
  bool head_sent_ = false;
  bool done_ = false;
};

}  // namespace portico::proxy
