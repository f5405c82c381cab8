// One HTTP/1.1 server connection: reads requests off a TcpConnection, runs the
// handler, writes responses in order. Internal to the http layer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "portico/http/chunked.h"
#include "portico/http/exchange.h"
#include "portico/http/parser.h"
#include "portico/http/request.h"
#include "portico/http/response.h"
#include "portico/http/server.h"
#include "portico/net/connection_handler.h"
#include "portico/net/tcp_connection.h"

namespace portico::http {

// What every connection of one server shares (read-only while it runs).
struct ConnectionConfig {
  const ServerOptions* options = nullptr;
  std::string server_header;  // the Server field value, "" for none
  std::function<void(const Request&, Response&)> dispatch;
  // Set when the server is stopping: finish the current response, then close.
  const std::atomic<bool>* stopping = nullptr;
  // Requests (head only) that go to an asynchronous handler instead of dispatch; may be empty.
  std::function<const AsyncHandler*(const Request&)> find_async;
};

class HttpExchange;
struct ConnectionStatus;  // portico/http/server_status.h

class HttpConnection final : public net::ConnectionHandler {
 public:
  HttpConnection(const ConnectionConfig& config, net::TcpConnection& conn);
  ~HttpConnection() override;

  void on_connected(net::TcpConnection& conn) override;
  void on_data(net::TcpConnection& conn, net::Buffer& input) override;
  void on_write_complete(net::TcpConnection& conn) override;
  void on_peer_half_closed(net::TcpConnection& conn) override;
  void on_idle_timeout(net::TcpConnection& conn) override;
  void on_closed(net::TcpConnection& conn) override;

  // Server shutdown: close now if idle, else after the response in progress.
  void close_when_idle(net::TcpConnection& conn);

  // For the status page (loop thread only): phase, age, requests, current request and id.
  // Defined in server_status.cpp.
  void describe(const net::TcpConnection& conn, int64_t now_ms, ConnectionStatus& out) const;

 private:
  enum class Phase : uint8_t {
    kIdle,      // between requests: keep-alive timeout runs
    kHead,      // some bytes of a head: header timeout runs
    kBody,      // head done, body incomplete: body idle timeout runs
    kExchange,  // an asynchronous handler has the request (its body may still be arriving)
    kTunnel,    // after upgrade(): raw bytes both ways
    kClosing,   // a final response is queued; input is discarded
  };
  friend class HttpExchange;

  // --- Asynchronous exchanges (http_connection_exchange.cpp) ---------------------------------
  // Head complete: hands the request to an asynchronous handler if one takes it.
  bool start_exchange(net::TcpConnection& conn, net::Buffer& input);
  // Delivers body (or tunnel) bytes to the exchange's consumer.
  void feed_exchange(net::TcpConnection& conn, net::Buffer& input);
  void deliver_body_end(net::TcpConnection& conn);
  bool exchange_keep_alive(const Response& response) const;
  void complete_exchange(net::TcpConnection& conn, bool keep_alive);
  // Cuts the link to the exchange; tells its handler when the client is gone.
  void drop_exchange(bool notify_gone);
  void after_exchange_call(net::TcpConnection& conn);
  void ex_set_callbacks(net::TcpConnection& conn);
  void ex_resume_input(net::TcpConnection& conn);
  void ex_respond(net::TcpConnection& conn, Response response);
  void ex_send_head(net::TcpConnection& conn, const Response& head,
                    std::optional<uint64_t> content_length);
  bool ex_send_body(net::TcpConnection& conn, std::string_view data);
  void ex_end_body(net::TcpConnection& conn);
  void ex_abort(net::TcpConnection& conn);
  void ex_upgrade(net::TcpConnection& conn, const Response& response);
  void ex_close_tunnel(net::TcpConnection& conn);
  // connect: the answer to CONNECT (a 200 reads "200 Connection established").
  void write_tunnel_head(const Response& response, bool connect);
  // Runs deliver steps that cannot run inside the handler's own call (on the next loop turn).
  void poke_exchange_soon(net::TcpConnection& conn);
  void log_tunnel();
  // Starts sending a pulled response stream (BodySource) after its head.
  void begin_stream(net::TcpConnection& conn, const Response& response, Version version,
                    bool keep_alive);
  const RequestLimits& parse_limits() const {
    return config_.find_async ? streamed_limits_ : limits_;
  }

  // One pass over the buffered input; returns when it needs more bytes, must
  // wait for the client to read, or the connection is closing.
  void process(net::TcpConnection& conn, net::Buffer& input);
  // Head complete: decide how to read the body. False when the request ended in an error.
  bool begin_body(net::TcpConnection& conn, net::Buffer& input);
  // Moves body bytes from input; true when the body is complete.
  bool read_body(net::TcpConnection& conn, net::Buffer& input);
  // The head's views must outlive the bytes they point to: copy the head aside.
  void stabilize_head(net::Buffer& input);
  void handle_request(net::TcpConnection& conn, std::string_view body);
  void answer_trace(Response& response) const;
  // chunked: the body follows in chunks (a pushed body of unknown length).
  void write_response(net::TcpConnection& conn, const Response& response, bool head_only,
                      bool keep_alive, Version version, bool chunked = false);
  void flush(net::TcpConnection& conn);
  // Pulls from the streaming body while the output queue has room.
  void pump_stream(net::TcpConnection& conn);
  // A request that cannot be answered normally: status, Connection: close, lingering close.
  void fail(net::TcpConnection& conn, Status status);
  void finish_exchange(net::TcpConnection& conn, bool keep_alive);
  // Closes after the queued output: lingering only when the client may still be
  // sending (unread input), as a plain close then would answer it with an RST.
  void close_after_response(net::TcpConnection& conn);
  void arm_timer(net::TcpConnection& conn, uint32_t timeout_ms);
  void on_timer(net::TcpConnection& conn);
  void log_access(Status status, uint64_t body_bytes, const Request* request,
                  std::string_view note = {});

  const ConnectionConfig& config_;
  const RequestLimits& limits_;
  ConnectionInfo info_;
  Phase phase_ = Phase::kIdle;
  RequestHead head_;
  HeadScanState scan_;
  ChunkedDecoder chunked_;
  std::string head_copy_;  // the head's bytes when its body arrives in later reads
  bool head_copied_ = false;
  std::string body_;  // body bytes when not contiguous in the input buffer
  bool body_in_input_ = false;
  uint64_t body_remaining_ = 0;  // Content-Length bytes still to read
  bool sent_continue_ = false;
  std::string out_;  // responses serialized during this pass, written once
  uint32_t requests_ = 0;
  bool waiting_for_drain_ = false;
  bool peer_closed_ = false;
  bool close_requested_ = false;
  bool input_pending_ = false;          // bytes of a later request arrived with this one
  std::shared_ptr<BodySource> stream_;  // a streaming body being sent
  bool stream_chunked_ = false;         // chunked framing (HTTP/1.1) or close-delimited
  bool stream_keep_alive_ = false;
  int64_t deadline_ms_ = 0;
  bool timer_armed_ = false;
  int64_t request_start_unix_ms_ = 0;
  int64_t request_start_us_ = 0;

  // Observability (issue 10): the request id and line, and timestamps for the slow log.
  void begin_request_record();  // head complete: id, request line
  void log_if_slow(Status status, const Request* request);
  int64_t accepted_ms_ = 0;        // loop time of the accept, for the connection's age
  int64_t accepted_us_ = 0;        // steady clock, for the slow log
  int64_t first_byte_us_ = 0;      // the request's first byte (slow log only)
  int64_t response_start_us_ = 0;  // its response head written (slow log only)
  std::string request_line_;       // "GET /x HTTP/1.1" of the latest request

  // Asynchronous exchange state.
  RequestLimits streamed_limits_;  // limits_ with the streamed body limit, to parse heads
  int process_depth_ = 0;          // inside process(): it flushes and goes on by itself
  std::shared_ptr<HttpExchange> exchange_;
  bool ex_body_done_ = false;   // the request body is complete (or there is none)
  bool ex_paused_ = false;      // the consumer asked to stop reading the client
  bool ex_responded_ = false;   // a response head was written
  bool ex_want_drain_ = false;  // send_body() said wait: on_client_drain when drained
  bool ex_pushing_ = false;     // between send_head() and end_body()
  bool push_chunked_ = false;
  bool push_no_body_ = false;
  bool push_has_length_ = false;
  bool push_keep_alive_ = false;
  uint64_t push_remaining_ = 0;
  uint64_t push_bytes_ = 0;
  Status push_status_ = Status::kOk;
  bool tunnel_client_ended_ = false;
  bool tunnel_server_ended_ = false;
  bool tunnel_eof_pending_ = false;  // the client's FIN came with bytes not yet delivered
  bool ex_end_delivered_ = false;    // on_client_end was called
  bool ex_expect_continue_ = false;  // the client waits for 100 Continue before its body
  bool tunnel_logged_ = false;
};

}  // namespace portico::http
