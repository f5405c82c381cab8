// TcpConnection: one established TCP connection on one loop: state machine, I/O, output queue.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portico/net/buffer.h"
#include "portico/net/connection_handler.h"
#include "portico/net/event_loop.h"
#include "portico/net/file_ref.h"
#include "portico/net/inet_address.h"
#include "portico/net/output_queue.h"
#include "portico/net/transport.h"

namespace portico::net {

// A snapshot of the kernel's TCP_INFO for a socket (for status pages and diagnostics).
struct TcpInfo {
  bool valid = false;   // false if getsockopt failed (e.g. the connection is closed)
  uint8_t state = 0;    // kernel TCP state: 1 ESTABLISHED, 8 CLOSE_WAIT, ... (tcp_states.h)
  uint32_t rtt_us = 0;  // smoothed round-trip time
  uint32_t rttvar_us = 0;
  uint32_t retransmits = 0;  // retransmits of the current unacknowledged segment
  uint32_t total_retrans = 0;
  uint32_t snd_cwnd = 0;  // congestion window, in segments
  uint32_t snd_mss = 0;
  uint32_t unacked = 0;
  uint32_t lost = 0;
};

// Limits of one connection, with defaults. Memory bytes are bytes copied into the output
// queue; queued file regions cost no memory and do not count.
struct ConnectionLimits {
  size_t high_water_bytes = size_t{4} * 1024 * 1024;  // on_high_water once queued memory reaches it
  size_t max_queued_bytes = size_t{64} * 1024 * 1024;  // hard cap: a send beyond it aborts (RST)
  size_t read_budget_bytes = size_t{256} * 1024;  // per wakeup, for fairness between connections
  int64_t linger_ms = 2000;                       // lingering close: max time reading after FIN
  size_t linger_max_bytes = size_t{1024} * 1024;  // lingering close: max bytes discarded
};

// A connection is created by TcpServer (accepted) or TcpClient (connected), owned by the loop it
// lives on (EventLoop's connection table) and driven by that loop's thread. Its handler is the
// protocol; all socket I/O goes through its Transport.
//
// States (explicit, see state()):
//   kConnecting  - transport handshake in progress (TLS); plain TCP passes through at once
//   kConnected   - both directions open
//   kHalfClosed  - one direction is shut: the peer sent FIN, or we sent ours (shutdown())
//   kClosing     - close() requested: flushing output, then (optionally) lingering
//   kClosed      - fd closed; the object is destroyed at the end of the loop iteration
//
// Threading: methods are for the loop thread, except send()/close()/abort()/shutdown(), which
// may be called from any thread (they post to the loop; the object must still exist at the
// call). Code that may outlive the connection holds a ConnectionRef instead of a reference.
class TcpConnection {
 public:
  enum class State { kConnecting, kConnected, kHalfClosed, kClosing, kClosed };

  // Internal constructor (TcpServer / TcpClient): adopts fd (non-blocking, connected).
  TcpConnection(EventLoop* loop, uint64_t id, int fd, InetAddress local, InetAddress peer,
                std::unique_ptr<Transport> transport);
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Internal wiring, before start(): the protocol handler and a hook the owner (TcpServer) runs
  // just before on_closed to update its bookkeeping.
  void set_handler(std::unique_ptr<ConnectionHandler> handler);
  void set_close_hook(std::function<void(TcpConnection&)> hook);
  // Registers with the loop and runs the handshake; on success calls handler.on_connected.
  void start();

  // Process-wide unique, never reused (ids identify connections in timers and logs).
  static uint64_t next_id();

  uint64_t id() const { return id_; }
  EventLoop* loop() const { return loop_; }
  State state() const { return state_; }
  static const char* state_name(State state);
  bool connected() const { return state_ == State::kConnected || state_ == State::kHalfClosed; }
  const InetAddress& peer_address() const { return peer_; }
  const InetAddress& local_address() const { return local_; }
  int fd() const { return fd_; }
  Transport& transport() { return *transport_; }
  ConnectionHandler* handler() { return handler_.get(); }
  // True once the peer's FIN was read.
  bool peer_closed() const { return peer_closed_; }
  // After the close: the errno that ended the connection (ECONNRESET, ETIMEDOUT, EPIPE ...), or
  // 0 for an orderly close (FIN both ways, close(), abort()). For on_closed handlers.
  int close_error() const { return close_error_; }

  // Output. Bytes and file regions are sent in the order queued. A send that cannot be written
  // at once is queued; the rest goes out as the socket drains. Ignored once the write side is
  // shut or closing. Exceeding limits().max_queued_bytes aborts the connection.
  void send(std::string_view data);
  void send(std::string&& data);
  void send(const char* data) { send(std::string_view(data)); }  // literals: not ambiguous
  void send(Buffer& data);  // takes all readable bytes (data is left empty)
  // Queues len bytes of file starting at offset, sent with sendfile(2). If the file turns out
  // shorter than offset + len, the connection is aborted (the peer was promised those bytes).
  void send_file(std::shared_ptr<const FileRef> file, int64_t offset, size_t len);
  // Memory and file bytes not yet handed to the kernel.
  size_t queued_bytes() const { return output_.total_bytes(); }
  size_t queued_memory_bytes() const { return output_.memory_bytes(); }
  // Received bytes the handler has not consumed yet.
  size_t input_bytes() const { return input_.readable_bytes(); }

  const ConnectionLimits& limits() const { return limits_; }
  void set_limits(const ConnectionLimits& limits) { limits_ = limits; }
  void set_high_water_mark(size_t bytes) { limits_.high_water_bytes = bytes; }

  // Backpressure: stop/restart reading from the socket. resume_reading() also redelivers
  // input already buffered (on_data is called again if input is non-empty).
  void pause_reading();
  void resume_reading();
  bool reading_paused() const { return reading_paused_; }

  // Half-close: SHUT_WR once the queue drains; reading continues (the peer may still send).
  void shutdown();
  // Graceful close: stop delivering input, flush the queue, SHUT_WR, then linger -- read and
  // discard until the peer's FIN, limits().linger_ms or linger_max_bytes -- and close. Lingering
  // keeps the kernel from answering late client bytes with an RST that would destroy the
  // response still in flight (the reason nginx has lingering_close). linger_ms 0 closes the fd
  // as soon as the queue drains.
  void close();
  void close_after_flush_with_linger(std::chrono::milliseconds linger);
  // Closes now, discarding queued output (FIN, or RST if unread input remains).
  void force_close();
  // Abortive close: SO_LINGER 0, so the peer gets an RST (ECONNRESET) at once.
  void abort();

  // Idle timeout: when no byte is read or written for this long, handler.on_idle_timeout
  // (default close()); a second expiry while already closing aborts. 0 disables.
  void set_idle_timeout(std::chrono::milliseconds timeout);
  // A timer bound to this connection: cancelled automatically when the connection closes, so
  // fn never runs on a closed connection. Loop thread only.
  TimerId run_after(std::chrono::milliseconds delay, std::function<void()> fn);
  void cancel_timer(TimerId id);

  // Frees the input buffer's storage if it holds no bytes (call when the connection goes
  // idle, e.g. between keep-alive requests, so idle connections cost no buffer memory).
  void release_buffers();

  void set_tcp_nodelay(bool on);
  TcpInfo tcp_info() const;

 private:
  void handle_event(uint32_t events);
  void handle_read();
  void handle_write();
  void do_handshake();
  void on_established();
  void handle_peer_eof();
  void flush_output();
  void after_output_drained(bool wrote_something);
  void maybe_finish_closing();
  bool start_shutdown_write();
  void start_linger();
  void finish_close(int err);
  void notify_closed();
  bool try_write_direct(const char* data, size_t len, size_t* written);
  bool admit_to_queue(size_t len);
  void check_high_water();
  void update_interest();
  void fail(int err, const char* what);
  void schedule_read_continuation();
  void schedule_write_complete();
  void arm_idle_timer(int64_t delay_ms);
  void on_idle_timer();
  void note_activity() { last_activity_ms_ = loop_->now_ms(); }
  bool output_open() const;
  // Runs a handler callback. While one runs, a close does all its work except notifying
  // (on_closed, the close hook, leaving the loop's table); that happens when the outermost
  // callback returns, so a handler never sees on_closed in the middle of its own code.
  template <typename F>
  void call_handler(F&& f);

  EventLoop* const loop_;
  const uint64_t id_;
  int fd_;
  const InetAddress local_;
  const InetAddress peer_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<Channel> channel_;
  std::unique_ptr<ConnectionHandler> handler_;
  std::function<void(TcpConnection&)> close_hook_;
  ConnectionLimits limits_;

  State state_ = State::kConnecting;
  Buffer input_;
  OutputQueue output_;

  bool peer_closed_ = false;  // FIN read
  int close_error_ = 0;
  bool write_shut_ = false;          // our FIN sent
  bool shutdown_requested_ = false;  // shutdown(): SHUT_WR after drain
  bool close_requested_ = false;     // close(): close after drain (+ linger)
  bool lingering_ = false;
  bool reading_paused_ = false;
  bool read_wants_write_ = false;  // transport read needs writability (TLS)
  bool write_wants_read_ = false;  // transport write needs readability (TLS)
  bool handshake_wants_write_ = false;
  bool high_water_signalled_ = false;
  bool read_continuation_pending_ = false;
  bool redeliver_input_ = false;
  bool write_complete_pending_ = false;
  bool close_notify_pending_ = false;
  int dispatch_depth_ = 0;  // >0 while inside an event of this connection
  int handler_depth_ = 0;   // >0 while inside a handler callback
  size_t linger_discarded_ = 0;

  int64_t idle_timeout_ms_ = 0;
  int64_t last_activity_ms_ = 0;
  TimerId idle_timer_;
  TimerId linger_timer_;
  std::vector<TimerId> timers_;  // run_after timers, cancelled at close
};

template <typename F>
inline void TcpConnection::call_handler(F&& f) {
  ++handler_depth_;
  if (handler_) f(*handler_);
  --handler_depth_;
  if (handler_depth_ == 0 && close_notify_pending_) notify_closed();
}

// A copyable handle to a connection for code that may outlive it or run on another thread.
// Each call runs on the owning loop (at once when made on that loop's thread, else posted, so
// calls from one thread keep their order) and does nothing if the connection is gone by then.
class ConnectionRef {
 public:
  ConnectionRef() = default;
  ConnectionRef(EventLoop* loop, uint64_t id) : loop_(loop), id_(id) {}
  explicit ConnectionRef(const TcpConnection& conn) : loop_(conn.loop()), id_(conn.id()) {}

  EventLoop* loop() const { return loop_; }
  uint64_t id() const { return id_; }
  explicit operator bool() const { return loop_ != nullptr; }

  // Loop thread only: the connection if it still exists.
  TcpConnection* get() const { return loop_ ? loop_->find_connection(id_) : nullptr; }

  void send(std::string data) const;
  void close() const;
  void abort() const;
  // Runs fn(conn) on the loop if the connection still exists.
  void with(std::function<void(TcpConnection&)> fn) const;

 private:
  EventLoop* loop_ = nullptr;
  uint64_t id_ = 0;
};

}  // namespace portico::net
