// The Exchange an asynchronous handler holds: a stable copy of the request head plus a link to
// the HttpConnection that answers it, cut when the connection goes away. Internal to http.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "portico/http/exchange.h"
#include "portico/http/parser.h"
#include "portico/http/request.h"

namespace portico::net {
class TcpConnection;
}

namespace portico::http {

class HttpConnection;

class HttpExchange final : public Exchange {
 public:
  // Copies the head's bytes and parses them again, so that request() outlives the input buffer.
  HttpExchange(HttpConnection& owner, net::TcpConnection& conn, std::string_view head_bytes,
               const RequestLimits& limits, const ConnectionInfo& info);

  const Request& request() const override { return request_; }
  net::EventLoop* loop() const override { return loop_; }
  bool active() const override { return owner_ != nullptr; }

  void set_callbacks(Callbacks callbacks) override;
  void resume_client_input() override;
  uint64_t client_body_bytes() const override { return body_bytes_; }

  void respond(Response response) override;
  void send_head(const Response& head, std::optional<uint64_t> content_length) override;
  bool send_body(std::string_view data) override;
  void end_body() override;
  void abort() override;
  void upgrade(const Response& response) override;
  void close_tunnel() override;

  void set_response_filter(std::function<void(Response&)> filter) override {
    filter_ = std::move(filter);
  }
  void set_log_note(std::string note) override { note_ = std::move(note); }

  // --- For HttpConnection. ---
  const RequestHead& head() const { return head_; }
  const Callbacks& callbacks() const { return callbacks_; }
  bool has_callbacks() const { return has_callbacks_; }
  void filter(Response& response) const {
    if (filter_) filter_(response);
  }
  const std::string& note() const { return note_; }
  void count_body(uint64_t n) { body_bytes_ += n; }
  // The connection is done with this exchange (completed, or the client is gone): every call
  // from now on is a no-op. Returns whether it was still attached.
  // The callbacks are dropped too: a handler's callbacks usually hold the exchange's shared_ptr,
  // and that cycle would keep both alive forever. (HttpConnection calls copies of them, so
  // dropping them while one runs is safe.)
  bool detach() {
    bool was = owner_ != nullptr;
    owner_ = nullptr;
    conn_ = nullptr;
    callbacks_ = Callbacks{};
    filter_ = nullptr;
    return was;
  }

 private:
  HttpConnection* owner_;
  net::TcpConnection* conn_;
  net::EventLoop* loop_;
  std::string head_bytes_;
  RequestHead head_;
  ConnectionInfo info_;
  Request request_;
  Callbacks callbacks_;
  bool has_callbacks_ = false;
  std::function<void(Response&)> filter_;
  std::string note_;
  uint64_t body_bytes_ = 0;
};

}  // namespace portico::http
