// HttpConnection's side of asynchronous exchanges (exchange.h): handing a request to an
// asynchronous handler at the end of its head, streaming its body to the handler with
// backpressure, writing a response pushed piece by piece, and relaying a tunnel's raw bytes.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "http/http_connection.h"
#include "http/http_exchange.h"
#include "portico/base/log.h"

namespace portico::http {

bool HttpConnection::start_exchange(net::TcpConnection& conn, net::Buffer& input) {
  // Methods the server does not know itself (PATCH, PROPFIND ...) may still be an asynchronous
  // route's business (a proxy forwards them); only without one do they get 501.
  if (head_.form == TargetForm::kAsterisk ||
      (head_.method == Method::kTrace && config_.options->allow_trace)) {
    return false;  // answered by the connection itself
  }
  const AsyncHandler* handler = nullptr;
  {
    info_.request_index = requests_;  // the probe is this request, as the dispatched one will be
    Request probe(head_, std::string_view(), info_);
    handler = config_.find_async(probe);
  }
  if (!handler) return false;

  info_.request_index = requests_++;
  auto ex = std::make_shared<HttpExchange>(*this, conn, input.view().substr(0, head_.head_bytes),
                                           parse_limits(), info_);
  input.retrieve(head_.head_bytes);
  exchange_ = ex;
  phase_ = Phase::kExchange;
  ex_paused_ = ex_responded_ = ex_want_drain_ = ex_pushing_ = false;
  ex_end_delivered_ = tunnel_logged_ = false;
  tunnel_client_ended_ = tunnel_server_ended_ = tunnel_eof_pending_ = false;
  push_bytes_ = 0;
  switch (head_.body) {
    case BodyKind::kNone: ex_body_done_ = true; break;
    case BodyKind::kContentLength:
      body_remaining_ = head_.content_length;
      ex_body_done_ = body_remaining_ == 0;
      break;
    case BodyKind::kChunked:
      chunked_.reset();
      ex_body_done_ = false;
      break;
  }
  ex_expect_continue_ = head_.expect_continue && !ex_body_done_ && input.readable_bytes() == 0;
  // The buffers may hold the body or pipelined requests: keep them across the exchange.
  input_pending_ = true;
  (*handler)(ex);
  return true;
}

void HttpConnection::feed_exchange(net::TcpConnection& conn, net::Buffer& input) {
  std::shared_ptr<HttpExchange> ex = exchange_;
  if (!ex) return;
  if (phase_ == Phase::kTunnel) {
    if (!ex->has_callbacks()) {  // the handler is not ready for the client's bytes yet
      if (input.readable_bytes() > 0) conn.pause_reading();
      return;
    }
    while (!ex_paused_ && input.readable_bytes() > 0) {
      size_t n = input.readable_bytes();
      auto on_data = ex->callbacks().on_client_data;  // a copy: the call may drop the exchange
      bool more = on_data ? on_data(input.view()) : true;
      input.retrieve(n);
      if (exchange_ != ex || phase_ != Phase::kTunnel) return;
      if (!more) ex_paused_ = true;
    }
    if (ex_paused_) {
      conn.pause_reading();
    } else if (tunnel_eof_pending_) {
      tunnel_eof_pending_ = false;
      deliver_body_end(conn);
    }
    return;
  }

  // The body waits for the handler to ask for it, and for the handler to keep up.
  if (!ex->has_callbacks() || ex_paused_) {
    if (input.readable_bytes() > 0) conn.pause_reading();
    return;
  }
  if (!ex_body_done_) {
    auto on_data = ex->callbacks().on_client_data;
    bool more = true;
    if (ex->head().body == BodyKind::kContentLength) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(body_remaining_, input.readable_bytes()));
      if (n > 0) {
        body_remaining_ -= n;
        ex->count_body(n);
        if (on_data) more = on_data(input.view().substr(0, n));
        input.retrieve(n);
        if (exchange_ != ex || phase_ != Phase::kExchange) return;
      }
      ex_body_done_ = body_remaining_ == 0;
    } else {
      // Every chunk already read is delivered, even after the handler asked to pause: the
      // pause takes effect at the next read.
      ChunkedResult r =
          chunked_.decode_all(input.view(), streamed_limits_, [&](std::string_view data) {
            if (exchange_ != ex || phase_ != Phase::kExchange) return;
            ex->count_body(data.size());
            if (on_data && !on_data(data)) more = false;
          });
      input.retrieve(r.consumed);
      if (exchange_ != ex || phase_ != Phase::kExchange) return;
      if (r.status == ParseStatus::kError) {
        if (ex_responded_) {
          ex_abort(conn);
        } else {
          fail(conn, to_status(r.error));
        }
        return;
      }
      ex_body_done_ = r.status == ParseStatus::kComplete;
    }
    if (!more) ex_paused_ = true;
    if (ex_body_done_) {
      deliver_body_end(conn);
      if (exchange_ != ex || phase_ != Phase::kExchange) return;
    } else if (!ex_paused_) {
      arm_timer(conn, limits_.body_idle_timeout_ms);
    }
  }
  // Paused by the handler; or the body is complete and a pipelined request waits behind the
  // exchange: held in the input buffer up to a bound, then in the socket. (Not pausing in the
  // common case saves two epoll_ctl calls per proxied request.)
  if (ex_paused_ || (ex_body_done_ && input.readable_bytes() > limits_.max_head_bytes())) {
    conn.pause_reading();
  }
}

void HttpConnection::deliver_body_end(net::TcpConnection& conn) {
  std::shared_ptr<HttpExchange> ex = exchange_;
  if (!ex) return;
  if (phase_ == Phase::kTunnel) {
    if (tunnel_client_ended_) return;
    tunnel_client_ended_ = true;
    auto on_end = ex->callbacks().on_client_end;
    if (on_end) on_end();
    if (exchange_ == ex && tunnel_server_ended_) {
      log_tunnel();
      drop_exchange(/*notify_gone=*/false);
      phase_ = Phase::kClosing;
      conn.close();
    }
    return;
  }
  if (ex_end_delivered_) return;
  ex_end_delivered_ = true;
  auto on_end = ex->callbacks().on_client_end;
  if (on_end) on_end();
  after_exchange_call(conn);
}

void HttpConnection::poke_exchange_soon(net::TcpConnection& conn) {
  // Bound to the connection: cancelled if it closes first.
  conn.run_after(std::chrono::milliseconds(0), [this, &conn] {
    if (!exchange_) return;
    if (phase_ == Phase::kExchange && ex_body_done_ && exchange_->has_callbacks()) {
      deliver_body_end(conn);
    } else if (phase_ == Phase::kTunnel && tunnel_eof_pending_ && !ex_paused_ &&
               exchange_->has_callbacks() && conn.input_bytes() == 0) {
      tunnel_eof_pending_ = false;
      deliver_body_end(conn);
    }
  });
}

void HttpConnection::after_exchange_call(net::TcpConnection& conn) {
  // Inside process() the pass flushes at its end; a call from the handler's own callbacks
  // (an upstream's data) must send now.
  if (process_depth_ == 0) flush(conn);
}

bool HttpConnection::exchange_keep_alive(const Response& response) const {
  const RequestHead& h = exchange_->head();
  return h.keep_alive && ex_body_done_ && !response.close_connection() && !close_requested_ &&
         !peer_closed_ && requests_ < limits_.max_requests_per_connection &&
         !(config_.stopping && config_.stopping->load(std::memory_order_relaxed));
}

void HttpConnection::drop_exchange(bool notify_gone) {
  if (!exchange_) return;
  std::shared_ptr<HttpExchange> ex = std::move(exchange_);
  auto on_gone = ex->callbacks().on_client_gone;
  bool was_attached = ex->detach();
  ex_pushing_ = false;
  ex_want_drain_ = false;
  ex_paused_ = false;
  if (notify_gone && was_attached && on_gone) on_gone();
}

void HttpConnection::complete_exchange(net::TcpConnection& conn, bool keep_alive) {
  drop_exchange(/*notify_gone=*/false);
  finish_exchange(conn, keep_alive);
  if (phase_ != Phase::kIdle) return;  // closing
  // Pipelined requests held back while the exchange ran: resume_reading() hands buffered
  // input over again, but only to a paused connection. (Inside process() the pass goes on.)
  if (!waiting_for_drain_) {
    if (process_depth_ == 0 && !conn.reading_paused() && conn.input_bytes() > 0) {
      conn.pause_reading();
    }
    conn.resume_reading();
  }
  after_exchange_call(conn);
}

void HttpConnection::ex_set_callbacks(net::TcpConnection& conn) {
  if (phase_ == Phase::kTunnel) {
    if (tunnel_eof_pending_ && conn.input_bytes() == 0) poke_exchange_soon(conn);
    conn.resume_reading();  // bytes held back until the handler was ready
    return;
  }
  if (phase_ != Phase::kExchange) return;
  if (ex_body_done_) {
    poke_exchange_soon(conn);  // on_client_end, outside the handler's call
    return;
  }
  if (ex_expect_continue_ && !sent_continue_ && !ex_responded_) {
    // RFC 9110 10.1.1: the handler wants the body, so the client may send it now.
    flush(conn);
    conn.send(std::string_view("HTTP/1.1 100 Continue\r\n\r\n"));
    sent_continue_ = true;
  }
  arm_timer(conn, limits_.body_idle_timeout_ms);
  conn.resume_reading();  // delivers body bytes that arrived before the handler was ready
}

void HttpConnection::ex_resume_input(net::TcpConnection& conn) {
  if (!ex_paused_) return;
  ex_paused_ = false;
  if (phase_ == Phase::kExchange && !ex_body_done_) {
    arm_timer(conn, limits_.body_idle_timeout_ms);
  }
  if (phase_ == Phase::kTunnel && tunnel_eof_pending_) poke_exchange_soon(conn);
  if (phase_ == Phase::kExchange && ex_body_done_) return;  // pipelined bytes keep waiting
  conn.resume_reading();
}

void HttpConnection::ex_respond(net::TcpConnection& conn, Response response) {
  if (ex_responded_ || phase_ != Phase::kExchange) {
    LOG_ERROR("conn %llu: exchange answered twice", static_cast<unsigned long long>(conn.id()));
    return;
  }
  std::shared_ptr<HttpExchange> ex = exchange_;
  ex->filter(response);
  ex_responded_ = true;
  const RequestHead& h = ex->head();
  bool keep_alive = exchange_keep_alive(response);
  bool head_only = h.method == Method::kHead;
  bool streaming = response.stream() && !head_only && !status_forbids_body(response.status());
  if (streaming && h.version == Version::kHttp10) keep_alive = false;
  write_response(conn, response, head_only, keep_alive, h.version);
  log_access(response.status(), head_only ? 0 : response.body_size(), &ex->request(), ex->note());
  if (phase_ == Phase::kClosing) {  // write_response aborted
    drop_exchange(/*notify_gone=*/false);
    return;
  }
  if (streaming) {
    drop_exchange(/*notify_gone=*/false);
    begin_stream(conn, response, h.version, keep_alive);
    after_exchange_call(conn);
    return;
  }
  complete_exchange(conn, keep_alive);
}

void HttpConnection::ex_send_head(net::TcpConnection& conn, const Response& head,
                                  std::optional<uint64_t> content_length) {
  if (ex_responded_ || phase_ != Phase::kExchange) {
    LOG_ERROR("conn %llu: exchange answered twice", static_cast<unsigned long long>(conn.id()));
    return;
  }
  std::shared_ptr<HttpExchange> ex = exchange_;
  Response r = head;
  r.clear_body();
  ex->filter(r);
  const RequestHead& h = ex->head();
  ex_responded_ = true;
  ex_pushing_ = true;
  push_status_ = r.status();
  push_bytes_ = 0;
  push_no_body_ = h.method == Method::kHead || status_forbids_body(r.status());
  push_has_length_ = content_length.has_value();
  push_remaining_ = content_length.value_or(0);
  push_chunked_ = !push_has_length_ && h.version == Version::kHttp11;
  bool keep_alive = exchange_keep_alive(r);
  // HTTP/1.0 without a length: the body ends with the connection.
  if (!push_has_length_ && !push_chunked_ && !push_no_body_) keep_alive = false;
  push_keep_alive_ = keep_alive;
  if (push_has_length_) r.set_declared_length(*content_length);
  write_response(conn, r, /*head_only=*/true, keep_alive, h.version,
                 /*chunked=*/!push_has_length_);
  // The head waits in out_ for the first body bytes (a small response leaves in one write);
  // if none come in this turn of the loop, it goes out alone.
  if (process_depth_ == 0) {
    conn.run_after(std::chrono::milliseconds(0), [this, &conn] { flush(conn); });
  }
}

bool HttpConnection::ex_send_body(net::TcpConnection& conn, std::string_view data) {
  if (phase_ == Phase::kTunnel) {
    if (tunnel_server_ended_ || data.empty()) return true;
    push_bytes_ += data.size();
    flush(conn);
    conn.send(data);
  } else {
    if (!ex_pushing_) {
      LOG_ERROR("conn %llu: exchange body without a head",
                static_cast<unsigned long long>(conn.id()));
      return true;
    }
    if (push_no_body_ || data.empty()) return true;
    if (push_has_length_) {
      if (data.size() > push_remaining_) {
        LOG_WARN("conn %llu: response body longer than its Content-Length; cut",
                 static_cast<unsigned long long>(conn.id()));
        ex_abort(conn);
        return false;
      }
      push_remaining_ -= data.size();
      out_.append(data);
    } else if (push_chunked_) {
      char size_line[24];
      int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
      out_.append(size_line, static_cast<size_t>(n));
      out_.append(data);
      out_ += "\r\n";
    } else {
      out_.append(data);
    }
    push_bytes_ += data.size();
    flush(conn);
  }
  if (conn.queued_bytes() >= Exchange::kWindowBytes) {
    ex_want_drain_ = true;
    return false;
  }
  return true;
}

void HttpConnection::ex_end_body(net::TcpConnection& conn) {
  if (phase_ == Phase::kTunnel) {
    if (tunnel_server_ended_) return;
    tunnel_server_ended_ = true;
    if (tunnel_client_ended_) {
      log_tunnel();
      drop_exchange(/*notify_gone=*/false);
      phase_ = Phase::kClosing;
      conn.close();
    } else {
      conn.shutdown();  // FIN after the queued bytes: the client may still send
    }
    return;
  }
  if (!ex_pushing_) return;
  std::shared_ptr<HttpExchange> ex = exchange_;
  if (push_has_length_ && push_remaining_ > 0 && !push_no_body_) {
    LOG_WARN("conn %llu: response body shorter than its Content-Length; cut",
             static_cast<unsigned long long>(conn.id()));
    ex_abort(conn);
    return;
  }
  if (push_chunked_ && !push_no_body_) out_ += "0\r\n\r\n";
  ex_pushing_ = false;
  log_access(push_status_, push_bytes_, &ex->request(), ex->note());
  complete_exchange(conn, push_keep_alive_);
}

void HttpConnection::ex_abort(net::TcpConnection& conn) {
  std::shared_ptr<HttpExchange> ex = exchange_;
  if (!ex) return;
  if (phase_ == Phase::kTunnel) {
    log_tunnel();
  } else if (ex_pushing_) {
    log_access(push_status_, push_bytes_, &ex->request(), ex->note());
  }
  drop_exchange(/*notify_gone=*/false);
  phase_ = Phase::kClosing;
  flush(conn);
  // Without the final chunk or the promised length, the client can tell the body is cut.
  conn.close();
}

void HttpConnection::ex_upgrade(net::TcpConnection& conn, const Response& response) {
  if (ex_responded_ || phase_ != Phase::kExchange) {
    LOG_ERROR("conn %llu: exchange answered twice", static_cast<unsigned long long>(conn.id()));
    return;
  }
  std::shared_ptr<HttpExchange> ex = exchange_;
  Response r = response;
  r.clear_body();
  ex->filter(r);
  ex_responded_ = true;
  write_tunnel_head(r, ex->head().method == Method::kConnect);
  push_status_ = r.status();
  push_bytes_ = 0;
  phase_ = Phase::kTunnel;
  ex_body_done_ = true;
  ex_paused_ = false;
  // The tunnel has no request timeouts (on_timer ignores it); the send timeout and the
  // handler's own idle timeout apply.
  tunnel_eof_pending_ = peer_closed_;
  after_exchange_call(conn);
  if (tunnel_eof_pending_) poke_exchange_soon(conn);
  conn.resume_reading();  // bytes the client sent after its request are tunnel bytes
}

void HttpConnection::ex_close_tunnel(net::TcpConnection& conn) {
  if (phase_ != Phase::kTunnel) return;
  log_tunnel();
  drop_exchange(/*notify_gone=*/false);
  phase_ = Phase::kClosing;
  conn.close();
}

void HttpConnection::log_tunnel() {
  if (tunnel_logged_ || !exchange_) return;
  tunnel_logged_ = true;
  log_access(push_status_, push_bytes_, &exchange_->request(), exchange_->note());
}

}  // namespace portico::http
