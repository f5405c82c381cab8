// The HTTP/1.1 server side of one connection (RFC 9112): framing, persistence,
// pipelining in order, timeouts, and backpressure against clients that do not read.
#include "http/http_connection.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>

#include "http/http_exchange.h"
#include "portico/base/log.h"
#include "portico/http/http_date.h"
#include "portico/http/request_id.h"

namespace portico::http {
namespace {

// File regions up to this size are read into the response buffer, so a small
// response (or a batch of pipelined ones) leaves in one write instead of
// write + sendfile per response.
constexpr uint64_t kInlineFileBytes = 16 * 1024;
// Stop answering pipelined requests while this much output waits for the client.
constexpr size_t kPipelineHighWaterBytes = 1024 * 1024;
// A streaming body is pulled while less than this waits to be written, in pieces of
// kStreamPieceBytes.
constexpr size_t kStreamWindowBytes = 256 * 1024;
constexpr size_t kStreamPieceBytes = 32 * 1024;

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t steady_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

// Fields the connection writes itself; a handler's copies would break the framing.
bool is_framing_field(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Connection") || iequals(name, "Date") || iequals(name, "Keep-Alive");
}

void append_status_line(std::string& out, Status status) {
  int c = code(status);
  char digits[4] = {static_cast<char>('0' + c / 100), static_cast<char>('0' + c / 10 % 10),
                    static_cast<char>('0' + c % 10), ' '};
  out += "HTTP/1.1 ";
  out.append(digits, 4);
  out += reason_phrase(status);
  out += "\r\n";
}

// Reads exactly len bytes at offset; false on error or a file shorter than promised.
bool pread_all(int fd, int64_t offset, uint64_t len, std::string& out) {
  size_t start = out.size();
  out.resize(start + len);
  uint64_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, out.data() + start + done, len - done, offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      out.resize(start);
      return false;
    }
    done += static_cast<uint64_t>(n);
  }
  return true;
}

}  // namespace

HttpConnection::HttpConnection(const ConnectionConfig& config, net::TcpConnection& conn)
    : config_(config), limits_(config.options->limits) {
  info_.peer = conn.peer_address();
  info_.local = conn.local_address();
  info_.secure = conn.transport().is_secure();
  info_.connection_id = conn.id();
  accepted_ms_ = conn.loop()->now_ms();
  if (config_.options->slow_request_ms > 0) accepted_us_ = steady_us();
  streamed_limits_ = limits_;
  streamed_limits_.max_body_bytes =
      std::max(limits_.max_body_bytes, limits_.max_streamed_body_bytes);
}

HttpConnection::~HttpConnection() { drop_exchange(/*notify_gone=*/true); }

void HttpConnection::on_closed(net::TcpConnection& /*conn*/) {
  if (phase_ == Phase::kTunnel) log_tunnel();
  drop_exchange(/*notify_gone=*/true);
}

void HttpConnection::on_connected(net::TcpConnection& conn) {
  // A new connection is idle until its first byte: the keep-alive timeout bounds
  // connections that never send (a client-speaks-first protocol).
  arm_timer(conn, limits_.header_timeout_ms);
  if (config_.options->send_timeout_ms > 0) {
    conn.set_idle_timeout(std::chrono::milliseconds(config_.options->send_timeout_ms));
  }
}

void HttpConnection::on_data(net::TcpConnection& conn, net::Buffer& input) {
  if (phase_ == Phase::kClosing) {
    input.retrieve_all();
    return;
  }
  ++process_depth_;
  process(conn, input);
  --process_depth_;
}

void HttpConnection::process(net::TcpConnection& conn, net::Buffer& input) {
  while (phase_ != Phase::kClosing && !waiting_for_drain_) {
    if (phase_ == Phase::kExchange || phase_ == Phase::kTunnel) {
      feed_exchange(conn, input);
      if (phase_ == Phase::kIdle && !waiting_for_drain_) continue;  // answered: next request
      break;
    }
    if (phase_ == Phase::kIdle) {
      if (input.readable_bytes() == 0) break;
      phase_ = Phase::kHead;
      if (config_.options->access_log) request_start_unix_ms_ = unix_ms();
      if (config_.options->slow_request_ms > 0) first_byte_us_ = steady_us();
      arm_timer(conn, limits_.header_timeout_ms);
    }
    if (phase_ == Phase::kHead) {
      ParseResult r = parse_request_head(input.view(), parse_limits(), scan_, head_);
      if (r.status == ParseStatus::kNeedMore) break;
      if (r.status == ParseStatus::kError) {
        LOG_DEBUG("conn %llu %s: bad request: %s",
                  static_cast<unsigned long long>(info_.connection_id),
                  info_.peer.to_string().c_str(), to_string(r.error).data());
        fail(conn, to_status(r.error));
        return;
      }
      scan_.reset();
      request_start_us_ = steady_us();
      begin_request_record();
      if (config_.find_async) {
        if (start_exchange(conn, input)) {
          if (phase_ == Phase::kClosing) return;
          continue;
        }
        // Parsed with the streamed body limit: a buffered body has the lower one.
        if (head_.body == BodyKind::kContentLength &&
            head_.content_length > limits_.max_body_bytes) {
          fail(conn, Status::kContentTooLarge);
          return;
        }
      }
      if (!begin_body(conn, input)) {
        if (phase_ == Phase::kClosing) return;
        break;  // body still arriving
      }
    } else if (phase_ == Phase::kBody) {
      if (!read_body(conn, input)) {
        if (phase_ == Phase::kClosing) return;
        break;
      }
    }
    // A whole request is here.
    size_t consumed = 0;
    std::string_view body = body_;
    if (!head_copied_) {
      // Zero copy: the body (if any) sits right after the head in the input buffer.
      uint64_t body_len = body_in_input_ ? head_.content_length : 0;
      body = input.view().substr(head_.head_bytes, body_len);
      consumed = head_.head_bytes + body_len;
    }
    input_pending_ = input.readable_bytes() > consumed;
    handle_request(conn, body);
    // handle_request may have closed; the views are dead from here on.
    if (consumed > 0) input.retrieve(consumed);
  }
  flush(conn);
  if (phase_ == Phase::kClosing) {
    input.retrieve_all();
    return;
  }
  // After the client's FIN every complete request already buffered is answered (RFC 9112
  // 9.6: a half-close ends only the client's side); then close, as a partial request left
  // over can never complete.
  bool exchanging = phase_ == Phase::kExchange || phase_ == Phase::kTunnel;
  if (peer_closed_ && !waiting_for_drain_ && !exchanging &&
      (phase_ != Phase::kIdle || input.readable_bytes() == 0)) {
    phase_ = Phase::kClosing;
    conn.close();
  }
}

bool HttpConnection::begin_body(net::TcpConnection& conn, net::Buffer& input) {
  body_.clear();
  body_in_input_ = false;
  head_copied_ = false;
  sent_continue_ = false;
  switch (head_.body) {
    case BodyKind::kNone:
      body_in_input_ = true;
      head_.content_length = 0;
      return true;
    case BodyKind::kContentLength:
      if (input.readable_bytes() - head_.head_bytes >= head_.content_length) {
        body_in_input_ = true;  // the common case: the body came with the head
        return true;
      }
      body_remaining_ = head_.content_length;
      break;
    case BodyKind::kChunked: chunked_.reset(); break;
  }
  // RFC 9110 10.1.1: a client waiting for 100 Continue gets it before we read the body.
  if (head_.expect_continue && input.readable_bytes() == head_.head_bytes) {
    flush(conn);
    conn.send(std::string_view("HTTP/1.1 100 Continue\r\n\r\n"));
    sent_continue_ = true;
  }
  stabilize_head(input);
  phase_ = Phase::kBody;
  arm_timer(conn, limits_.body_idle_timeout_ms);
  return read_body(conn, input);
}

void HttpConnection::stabilize_head(net::Buffer& input) {
  head_copy_.assign(input.peek(), head_.head_bytes);
  HeadScanState scan;
  RequestHead head;
  // The same bytes parse the same way: this cannot fail.
  (void)parse_request_head(head_copy_, limits_, scan, head);
  head_ = std::move(head);
  input.retrieve(head_copy_.size());
  head_copied_ = true;
}

bool HttpConnection::read_body(net::TcpConnection& conn, net::Buffer& input) {
  if (head_.body == BodyKind::kContentLength) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(body_remaining_, input.readable_bytes()));
    body_.append(input.peek(), n);
    input.retrieve(n);
    body_remaining_ -= n;
    if (body_remaining_ > 0) {
      arm_timer(conn, limits_.body_idle_timeout_ms);
      return false;
    }
    return true;
  }
  ChunkedResult r = chunked_.decode_all(input.view(), limits_,
                                        [this](std::string_view data) { body_.append(data); });
  input.retrieve(r.consumed);
  if (r.status == ParseStatus::kError) {
    fail(conn, to_status(r.error));
    return false;
  }
  if (r.status == ParseStatus::kNeedMore) {
    arm_timer(conn, limits_.body_idle_timeout_ms);
    return false;
  }
  return true;
}

void HttpConnection::handle_request(net::TcpConnection& conn, std::string_view body) {
  info_.request_index = requests_++;
  Request request(head_, body, info_);
  Response response;
  const ServerOptions& opt = *config_.options;
  if (head_.method == Method::kOther) {
    response = Response::error(Status::kNotImplemented);
  } else if (head_.form == TargetForm::kAsterisk) {
    // OPTIONS * asks about the server as a whole (RFC 9110 9.3.7).
    response.set_status(Status::kOk);
    response.set_header("Allow",
                        opt.allow_trace ? "GET, HEAD, OPTIONS, TRACE" : "GET, HEAD, OPTIONS");
    response.set_declared_length(0);
  } else if (head_.method == Method::kTrace && opt.allow_trace) {
    answer_trace(response);
  } else {
    config_.dispatch(request, response);
  }

  bool keep_alive = head_.keep_alive && !response.close_connection() && !close_requested_ &&
                    requests_ < limits_.max_requests_per_connection &&
                    !(config_.stopping && config_.stopping->load(std::memory_order_relaxed));
  bool head_only = head_.method == Method::kHead;
  bool streaming = response.stream() && !head_only && !status_forbids_body(response.status());
  // An HTTP/1.0 client cannot read chunked: its stream ends with the connection.
  if (streaming && head_.version == Version::kHttp10) keep_alive = false;
  write_response(conn, response, head_only, keep_alive, head_.version);
  log_access(response.status(), head_only ? 0 : response.body_size(), &request);
  if (streaming && phase_ != Phase::kClosing) {
    begin_stream(conn, response, head_.version, keep_alive);
    return;
  }
  finish_exchange(conn, keep_alive);
}

void HttpConnection::begin_stream(net::TcpConnection& conn, const Response& response,
                                  Version version, bool keep_alive) {
  stream_ = response.stream();
  stream_chunked_ = version == Version::kHttp11;
  stream_keep_alive_ = keep_alive;
  // The request is answered: its header and body timeouts no longer apply (a long stream
  // is bounded by the send timeout instead).
  phase_ = Phase::kIdle;
  waiting_for_drain_ = true;  // no pipelined request is answered before the stream ends
  // Paused, so that resume_reading() at the end of the stream redelivers the pipelined
  // requests already buffered (it does nothing for a connection that is not paused).
  conn.pause_reading();
  pump_stream(conn);
}

void HttpConnection::write_tunnel_head(const Response& response, bool connect) {
  // RFC 9110 9.3.6 / 15.2.2: a 2xx to CONNECT and a 101 carry no body framing; the bytes after
  // the empty line belong to the tunnel.
  if (connect && response.status() == Status::kOk) {
    out_ += "HTTP/1.1 200 Connection established\r\n";  // the phrase proxies conventionally use
  } else {
    append_status_line(out_, response.status());
  }
  if (!config_.server_header.empty() && !response.headers().contains("Server")) {
    out_ += "Server: ";
    out_ += config_.server_header;
    out_ += "\r\n";
  }
  out_ += "Date: ";
  out_ += current_http_date();
  out_ += "\r\n";
  for (const auto& f : response.headers().fields()) {
    if (iequals(f.name, "Content-Length") || iequals(f.name, "Transfer-Encoding") ||
        iequals(f.name, "Date")) {
      continue;
    }
    out_ += f.name;
    out_ += ": ";
    out_ += f.value;
    out_ += "\r\n";
  }
  out_ += "\r\n";
}

void HttpConnection::answer_trace(Response& response) const {
  // RFC 9110 9.3.8: echo the request head as message/http, without the fields
  // that carry credentials (a TRACE must not leak them to a script).
  std::string echo;
  echo += head_.method_token;
  echo += ' ';
  echo += head_.target;
  echo += ' ';
  echo += to_string(head_.version);
  echo += "\r\n";
  for (const auto& h : head_.headers) {
    if (iequals(h.name, "Cookie") || iequals(h.name, "Authorization") ||
        iequals(h.name, "Proxy-Authorization")) {
      continue;
    }
    echo += h.name;
    echo += ": ";
    echo += h.value;
    echo += "\r\n";
  }
  echo += "\r\n";
  response.set_status(Status::kOk);
  response.set_body(std::move(echo), "message/http");
}

void HttpConnection::write_response(net::TcpConnection& conn, const Response& response,
                                    bool head_only, bool keep_alive, Version version,
                                    bool chunked) {
  if (config_.options->slow_request_ms > 0) response_start_us_ = steady_us();
  Status status = response.status();
  bool no_body = status_forbids_body(status);
  out_.reserve(out_.size() + 512);
  append_status_line(out_, status);
  if (!config_.server_header.empty() && !response.headers().contains("Server")) {
    out_ += "Server: ";
    out_ += config_.server_header;
    out_ += "\r\n";
  }
  out_ += "Date: ";
  out_ += current_http_date();
  out_ += "\r\n";
  for (const auto& f : response.headers().fields()) {
    if (is_framing_field(f.name)) continue;
    out_ += f.name;
    out_ += ": ";
    out_ += f.value;
    out_ += "\r\n";
  }
  if ((response.stream() || chunked) && !no_body) {
    if (version == Version::kHttp11) out_ += "Transfer-Encoding: chunked\r\n";
  } else if (!no_body) {
    uint64_t length = response.has_declared_length() && response.body().empty()
                          ? response.declared_length()
                          : response.body_size();
    out_ += "Content-Length: ";
    out_ += std::to_string(length);
    out_ += "\r\n";
  }
  if (!keep_alive) {
    out_ += "Connection: close\r\n";
  } else if (version == Version::kHttp10) {
    out_ += "Connection: keep-alive\r\n";
  }
  out_ += "\r\n";
  if (head_only || no_body) return;
  for (const auto& part : response.body()) {
    if (!part.file) {
      out_ += part.data;
      continue;
    }
    if (part.length <= kInlineFileBytes) {
      if (!pread_all(part.file->fd(), part.offset, part.length, out_)) {
        // The head promised these bytes; a short file leaves no honest way on.
        LOG_WARN("conn %llu: file shrank while being sent; aborting",
                 static_cast<unsigned long long>(info_.connection_id));
        out_.clear();
        phase_ = Phase::kClosing;
        conn.abort();
        return;
      }
      continue;
    }
    flush(conn);
    conn.send_file(part.file, part.offset, static_cast<size_t>(part.length));
  }
}

void HttpConnection::pump_stream(net::TcpConnection& conn) {
  std::string piece;
  while (stream_ && out_.size() + conn.queued_bytes() < kStreamWindowBytes) {
    piece.clear();
    BodySource::Result r = stream_->read(piece, kStreamPieceBytes);
    if (r == BodySource::Result::kError) {
      LOG_WARN("conn %llu: response stream failed; closing",
               static_cast<unsigned long long>(info_.connection_id));
      stream_.reset();
      flush(conn);
      phase_ = Phase::kClosing;
      conn.close();  // without the last chunk: the client sees the body is incomplete
      return;
    }
    if (!piece.empty()) {
      if (stream_chunked_) {
        char size_line[24];
        int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
        out_.append(size_line, static_cast<size_t>(n));
        out_ += piece;
        out_ += "\r\n";
      } else {
        out_ += piece;
      }
    }
    if (r == BodySource::Result::kDone) {
      if (stream_chunked_) out_ += "0\r\n\r\n";
      stream_.reset();
      waiting_for_drain_ = false;
      finish_exchange(conn, stream_keep_alive_);
      flush(conn);
      // Unless finish_exchange paused again for backpressure (on_write_complete resumes then).
      if (phase_ == Phase::kIdle && !waiting_for_drain_) {
        conn.resume_reading();  // pipelined requests held back by the stream
      }
      return;
    }
  }
  flush(conn);  // the rest follows from on_write_complete
}

void HttpConnection::flush(net::TcpConnection& conn) {
  if (out_.empty()) return;
  conn.send(std::move(out_));
  out_ = std::string();
}

void HttpConnection::fail(net::TcpConnection& conn, Status status) {
  if (phase_ == Phase::kClosing) return;
  drop_exchange(/*notify_gone=*/true);
  Response response = Response::error(status);
  write_response(conn, response, false, false, Version::kHttp11);
  log_access(status, response.body_size(), nullptr);
  phase_ = Phase::kClosing;
  flush(conn);
  // Lingering close: the client may still be sending; reading and discarding
  // its bytes keeps the kernel from answering with an RST that would destroy
  // the error response in flight.
  conn.close();
}

void HttpConnection::finish_exchange(net::TcpConnection& conn, bool keep_alive) {
  if (phase_ == Phase::kClosing) return;  // write_response aborted
  head_copied_ = false;
  body_in_input_ = false;
  if (!body_.empty()) body_ = std::string();
  if (!head_copy_.empty()) head_copy_ = std::string();
  if (!keep_alive) {
    close_after_response(conn);
    return;
  }
  phase_ = Phase::kIdle;
  arm_timer(conn, limits_.keepalive_timeout_ms);
  if (!input_pending_) {
    // Going idle: an idle keep-alive connection should cost little memory (nginx
    // frees its request pool here). Pipelined requests keep their buffers.
    std::vector<HeaderView>().swap(head_.headers);
    conn.release_buffers();
  }
  if (out_.size() + conn.queued_bytes() > kPipelineHighWaterBytes) {
    // A client that sends but does not read must not make us buffer without bound:
    // stop reading (and answering) until what is queued has gone out.
    flush(conn);
    waiting_for_drain_ = true;
    conn.pause_reading();
  }
}

void HttpConnection::close_after_response(net::TcpConnection& conn) {
  phase_ = Phase::kClosing;
  flush(conn);
  if (input_pending_ || conn.reading_paused()) {
    conn.close();
  } else {
    conn.close_after_flush_with_linger(std::chrono::milliseconds(0));
  }
}

void HttpConnection::arm_timer(net::TcpConnection& conn, uint32_t timeout_ms) {
  deadline_ms_ = conn.loop()->now_ms() + timeout_ms;
  if (timer_armed_ || timeout_ms == 0) return;
  timer_armed_ = true;
  // The timer is bound to the connection (cancelled when it closes), so `this`
  // and `conn` are alive whenever it runs.
  conn.run_after(std::chrono::milliseconds(timeout_ms), [this, &conn] {
    timer_armed_ = false;
    on_timer(conn);
  });
}

void HttpConnection::on_timer(net::TcpConnection& conn) {
  if (phase_ == Phase::kClosing) return;
  int64_t now = conn.loop()->now_ms();
  if (now < deadline_ms_) {
    // The deadline moved since the timer was set: sleep the rest of it.
    int64_t left = deadline_ms_ - now;
    timer_armed_ = true;
    conn.run_after(std::chrono::milliseconds(left), [this, &conn] {
      timer_armed_ = false;
      on_timer(conn);
    });
    return;
  }
  switch (phase_) {
    case Phase::kIdle:
      if (waiting_for_drain_ || conn.queued_bytes() > 0) {
        // Still sending a response: that is the send timeout's business.
        arm_timer(conn, limits_.keepalive_timeout_ms);
        return;
      }
      input_pending_ = false;
      close_after_response(conn);
      return;
    case Phase::kExchange:
      // Only a client that stalls while its body is wanted times out here; a handler waiting
      // on its upstream keeps its own timeouts.
      if (ex_body_done_ || ex_paused_ || !exchange_ || !exchange_->has_callbacks()) return;
      if (ex_responded_) {
        phase_ = Phase::kClosing;
        drop_exchange(/*notify_gone=*/true);
        conn.close();
        return;
      }
      [[fallthrough]];
    case Phase::kHead:
    case Phase::kBody:
      LOG_DEBUG("conn %llu %s: request timeout",
                static_cast<unsigned long long>(info_.connection_id),
                info_.peer.to_string().c_str());
      fail(conn, Status::kRequestTimeout);
      return;
    case Phase::kTunnel:
    case Phase::kClosing: return;
  }
}

void HttpConnection::on_write_complete(net::TcpConnection& conn) {
  if (ex_want_drain_ && exchange_) {
    ex_want_drain_ = false;
    std::shared_ptr<HttpExchange> ex = exchange_;
    auto on_drain = ex->callbacks().on_client_drain;  // a copy: the call may drop the exchange
    if (on_drain) on_drain();
    after_exchange_call(conn);
    return;
  }
  if (stream_) {
    pump_stream(conn);
    // A stream that ended here left its last piece and final chunk in out_: unlike on_data,
    // nothing after this call would send them.
    flush(conn);
    return;
  }
  if (!waiting_for_drain_) return;
  waiting_for_drain_ = false;
  conn.resume_reading();  // redelivers buffered pipelined requests
  if (peer_closed_ && phase_ == Phase::kIdle && !input_pending_ &&
      conn.state() != net::TcpConnection::State::kClosing) {
    // on_data runs again only if input is buffered; with none left, finish here.
    conn.close();
  }
}

void HttpConnection::on_peer_half_closed(net::TcpConnection& conn) {
  peer_closed_ = true;
  if (phase_ == Phase::kClosing) return;
  if (phase_ == Phase::kTunnel) {
    // Half-close passes through: the handler ends its upstream's sending side in turn, after
    // the bytes still held back by backpressure.
    tunnel_eof_pending_ = true;
    if (conn.input_bytes() == 0 && !ex_paused_ && exchange_ && exchange_->has_callbacks()) {
      tunnel_eof_pending_ = false;
      deliver_body_end(conn);
    }
    return;
  }
  if (phase_ == Phase::kExchange) {
    // The response still goes out (closed after it), and a body whose bytes are all buffered
    // can still complete.
    if (ex_body_done_ || conn.input_bytes() > 0) return;
    phase_ = Phase::kClosing;  // the body can never complete
    drop_exchange(/*notify_gone=*/true);
    conn.close();
    return;
  }
  if (phase_ == Phase::kHead || phase_ == Phase::kBody) {
    // The request can never complete.
    phase_ = Phase::kClosing;
    conn.close();
    return;
  }
  // Idle: responses already queued still go out (close() flushes first).
  if (!waiting_for_drain_) {
    phase_ = Phase::kClosing;
    conn.close();
  }
}

void HttpConnection::on_idle_timeout(net::TcpConnection& conn) {
  // Nothing read or written for send_timeout_ms. Only a stall with output still queued here
  // means the client stopped reading: once all of it is in the kernel the client may still be
  // draining it slowly, an RST now would destroy that tail, and an idle connection is the
  // keep-alive timer's business (which closes it with a FIN).
  if (conn.queued_bytes() == 0) return;
  LOG_DEBUG("conn %llu %s: send timeout", static_cast<unsigned long long>(info_.connection_id),
            info_.peer.to_string().c_str());
  phase_ = Phase::kClosing;
  conn.abort();
}

void HttpConnection::close_when_idle(net::TcpConnection& conn) {
  close_requested_ = true;
  if (phase_ == Phase::kTunnel) return;  // ends with its peers (or the grace period)
  if (phase_ == Phase::kIdle && !waiting_for_drain_) {
    phase_ = Phase::kClosing;
    conn.close();
  }
}

void HttpConnection::log_access(Status status, uint64_t body_bytes, const Request* request,
                                std::string_view note) {
  log_if_slow(status, request);
  const auto& sink = config_.options->access_log;
  if (!sink) return;
  AccessLogEntry e;
  e.request = request;
  e.status = status;
  e.body_bytes = body_bytes;
  e.start_unix_ms = request_start_unix_ms_ ? request_start_unix_ms_ : unix_ms();
  e.duration_us = request_start_us_ ? steady_us() - request_start_us_ : 0;
  e.peer = &info_.peer;
  e.note = note;
  sink(e);
}

void HttpConnection::begin_request_record() {
  // The request line, kept for the status page (the head's views die with the input).
  request_line_.assign(head_.method_token);
  request_line_ += ' ';
  request_line_ += head_.target;
  request_line_ += ' ';
  request_line_ += to_string(head_.version);
  const std::string& field = config_.options->request_id_header;
  std::string_view given = field.empty() ? std::string_view() : head_.header(field);
  if (valid_request_id(given)) {
    info_.request_id.assign(given);
  } else {
    generate_request_id(info_.connection_id, requests_, info_.request_id);
  }
}

void HttpConnection::log_if_slow(Status status, const Request* request) {
  uint32_t threshold_ms = config_.options->slow_request_ms;
  if (threshold_ms == 0 || first_byte_us_ == 0) return;
  int64_t now = steady_us();
  if (now - first_byte_us_ < int64_t{threshold_ms} * 1000) return;
  auto ms = [](int64_t us) { return static_cast<double>(us) / 1000.0; };
  int64_t head = request_start_us_ ? request_start_us_ : now;
  int64_t response = response_start_us_ >= head ? response_start_us_ : now;
  // accept -> first byte is the client's own delay (or the keep-alive gap before a later
  // request); first byte -> head complete is the head's upload; then the handler; then the body.
  LOG_WARN(
      "slow request %s conn %llu %s \"%s\" %d: %.1f ms (accept +%.1f ms first byte, "
      "+%.1f ms head, +%.1f ms response head, +%.1f ms last byte queued; request %u on "
      "the connection)",
      request ? info_.request_id.c_str() : "-",
      static_cast<unsigned long long>(info_.connection_id), info_.peer.to_string().c_str(),
      request ? request_line_.c_str() : "-", code(status), ms(now - first_byte_us_),
      ms(first_byte_us_ - accepted_us_), ms(head - first_byte_us_), ms(response - head),
      ms(now - response), info_.request_index);
}

}  // namespace portico::http
