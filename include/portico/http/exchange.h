// An exchange answered asynchronously: a handler that waits on something (an upstream server,
// a tunnel target) takes the request as an Exchange, streams its body as it arrives, and answers
// later, with the response body pushed piece by piece under backpressure, or switches the
// connection to a raw byte tunnel (101 Switching Protocols, 2xx to CONNECT).
//
//   server.router().mount_async("/api/", [](std::shared_ptr<Exchange> ex) {
//     ex->set_callbacks({.on_client_data = [](std::string_view body) { ...; return true; },
//                        .on_client_end = [ex] { ... }});
//     ... later, on the same loop: ex->respond(Response(Status::kOk));
//   });
//
// Every call is made on the connection's loop thread. The handler keeps the shared_ptr for as
// long as it works on the exchange; once the client connection is gone, on_client_gone runs and
// every further call is a harmless no-op.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "portico/http/request.h"
#include "portico/http/response.h"
#include "portico/net/event_loop.h"

namespace portico::http {

class Exchange {
 public:
  struct Callbacks {
    // Bytes from the client: the request body, de-chunked (never the framing), or, after
    // upgrade(), the raw bytes of the tunnel. Return false to stop reading from the client
    // until resume_client_input() (backpressure toward a slower upstream).
    std::function<bool(std::string_view data)> on_client_data;
    // The request body is complete (at once for a request without one), or, in a tunnel, the
    // client half-closed its side. Callbacks installed before upgrade() on a request without a
    // body therefore see it twice: once for the (empty) body, once for the client's FIN.
    std::function<void()> on_client_end;
    // Output to the client that was over the window (send_body() returned false) has drained.
    std::function<void()> on_client_drain;
    // The client connection closed or failed before the exchange completed: stop working on it.
    std::function<void()> on_client_gone;
  };

  // Queued bytes toward the client above which send_body() asks the caller to wait.
  static constexpr size_t kWindowBytes = 256 * 1024;

  virtual ~Exchange() = default;

  // The request head (a stable copy: valid as long as the Exchange), its body is empty: it
  // comes through on_client_data.
  virtual const Request& request() const = 0;
  virtual net::EventLoop* loop() const = 0;
  // False once the client connection is gone or the exchange has completed.
  virtual bool active() const = 0;

  // Installing the callbacks starts the request body (and sends "100 Continue" to a client
  // that waits for it, RFC 9110 10.1.1): a handler that answers without reading the body (an
  // error) never installs them, and the connection closes after its response.
  virtual void set_callbacks(Callbacks callbacks) = 0;
  virtual void resume_client_input() = 0;
  // Total body bytes received from the client so far.
  virtual uint64_t client_body_bytes() const = 0;

  // --- Answering: exactly one of respond(), send_head() ... end_body(), or upgrade(). --------

  // A whole response (memory/file body or a pulled BodySource), as a synchronous handler gives.
  virtual void respond(Response response) = 0;
  // The head of a response whose body is pushed with send_body(). With content_length the body
  // is delimited by Content-Length (and must be exactly that long); without it, chunked
  // (HTTP/1.1) or delimited by closing the connection (HTTP/1.0). The response's own body parts
  // are ignored. For HEAD requests and bodiless statuses (204, 304) no body is sent.
  virtual void send_head(const Response& head, std::optional<uint64_t> content_length) = 0;
  // Queues body bytes (or tunnel bytes after upgrade()). False: over kWindowBytes, stop sending
  // until on_client_drain.
  virtual bool send_body(std::string_view data) = 0;
  // The body is complete: the connection goes on to the next request (or closes). In a tunnel:
  // half-close toward the client (FIN after the queued bytes).
  virtual void end_body() = 0;
  // The response cannot be completed (the upstream failed mid-body): the client connection is
  // closed without a proper end, so the client sees the body is cut (RFC 9112 8).
  virtual void abort() = 0;
  // Switches protocols: writes `response` (101 with Upgrade, or 2xx to CONNECT) without body
  // framing; from then on on_client_data gets the client's raw bytes and send_body() writes raw
  // bytes. The tunnel ends when both directions have ended (end_body() and on_client_end), or
  // at close_tunnel().
  virtual void upgrade(const Response& response) = 0;
  virtual void close_tunnel() = 0;

  // Applied to every response head this exchange writes, before it is written (a site's header
  // edits, HSTS).
  virtual void set_response_filter(std::function<void(Response&)> filter) = 0;
  // A note for the access log line ("upstream=10.0.0.1:9000 reason=timeout").
  virtual void set_log_note(std::string note) = 0;
};

// Takes an exchange, on the connection's loop thread; must not block.
using AsyncHandler = std::function<void(std::shared_ptr<Exchange>)>;

}  // namespace portico::http
