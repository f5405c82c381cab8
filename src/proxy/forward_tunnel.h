// ForwardTunnel: one CONNECT tunnel (RFC 9110 9.3.6): dials the target, answers 200, then relays
// bytes both ways with backpressure, passes each side's FIN on, and ends on idle or error.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "portico/http/exchange.h"
#include "portico/net/connection_handler.h"
#include "portico/net/tcp_connection.h"
#include "proxy/forward_dial.h"
#include "proxy/forward_state.h"

namespace portico::proxy {

class ForwardTunnel final : public std::enable_shared_from_this<ForwardTunnel> {
 public:
  // `client_key` is the client's address as counted in shared->tunnels (already acquired; the
  // tunnel releases it when it ends).
  ForwardTunnel(std::shared_ptr<const ForwardShared> shared, ForwardWorker& worker,
                std::shared_ptr<http::Exchange> exchange, ProxyTarget target,
                std::string client_key);
  ~ForwardTunnel();

  void start();

  // --- From the target connection's handler ---
  void on_target_data(net::TcpConnection& conn, net::Buffer& input);
  void on_target_end(net::TcpConnection& conn);
  void on_target_writable();
  void on_target_idle(net::TcpConnection& conn);
  void on_target_closed();

 private:
  void on_connected(net::TcpConnection& conn);
  void on_dial_failed(DialFailure failure, const std::string& detail);
  bool on_client_data(std::string_view data);
  void on_client_end();
  void on_client_drain();
  void on_client_gone();

  net::TcpConnection* target() const;
  void update_note(std::string_view reason);
  void finish(std::string_view reason);
  void release();

  std::shared_ptr<const ForwardShared> shared_;
  std::shared_ptr<http::Exchange> exchange_;
  net::EventLoop* const loop_;
  ProxyTarget target_;
  std::string client_key_;
  ForwardDialer dialer_;
  uint64_t target_id_ = 0;  // the target connection, found through the loop
  int64_t start_ms_ = 0;
  uint64_t bytes_up_ = 0;    // client -> target
  uint64_t bytes_down_ = 0;  // target -> client
  bool established_ = false;
  bool client_ended_ = false;
  bool target_ended_ = false;
  bool client_paused_ = false;  // on_client_data returned false
  bool target_paused_ = false;  // the target connection stopped reading
  bool counted_ = true;
  bool done_ = false;
};

// The target connection's handler: forwards its events to the tunnel, or closes itself once the
// tunnel is gone.
class TunnelTargetHandler final : public net::ConnectionHandler {
 public:
  explicit TunnelTargetHandler(std::weak_ptr<ForwardTunnel> tunnel) : tunnel_(std::move(tunnel)) {}

  void on_data(net::TcpConnection& conn, net::Buffer& input) override;
  void on_write_complete(net::TcpConnection& conn) override;
  void on_peer_half_closed(net::TcpConnection& conn) override;
  void on_idle_timeout(net::TcpConnection& conn) override;
  void on_closed(net::TcpConnection& conn) override;
  void detach() { tunnel_.reset(); }

 private:
  std::weak_ptr<ForwardTunnel> tunnel_;
};

}  // namespace portico::proxy
