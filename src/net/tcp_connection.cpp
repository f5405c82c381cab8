// TcpConnection: the connection state machine, reading, the output queue and closing.
#include "portico/net/tcp_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "net/channel.h"
#include "net/socket.h"
#include "portico/base/log.h"

namespace portico::net {
namespace {

std::atomic<uint64_t> g_next_connection_id{1};

// Input capacity kept across reads; a larger buffer is freed once drained, so a connection
// that once received a big burst does not hold that memory while idle.
constexpr size_t kKeepInputCapacity = size_t{64} * 1024;

// Peers vanish all the time; only unexpected errors are worth a warning.
bool routine_error(int err) {
  return err == ECONNRESET || err == EPIPE || err == ETIMEDOUT || err == ECONNABORTED ||
         err == EHOSTUNREACH || err == ENETUNREACH;
}

}  // namespace

uint64_t TcpConnection::next_id() {
  return g_next_connection_id.fetch_add(1, std::memory_order_relaxed);
}

const char* TcpConnection::state_name(State state) {
  switch (state) {
    case State::kConnecting: return "connecting";
    case State::kConnected: return "connected";
    case State::kHalfClosed: return "half-closed";
    case State::kClosing: return "closing";
    case State::kClosed: return "closed";
  }
  return "?";
}

TcpConnection::TcpConnection(EventLoop* loop, uint64_t id, int fd, InetAddress local,
                             InetAddress peer, std::unique_ptr<Transport> transport)
    : loop_(loop),
      id_(id),
      fd_(fd),
      local_(local),
      peer_(peer),
      transport_(transport ? std::move(transport) : make_plain_transport(fd)),
      channel_(std::make_unique<Channel>(loop, fd)) {
  channel_->set_callback([this](uint32_t events) { handle_event(events); });
}

TcpConnection::~TcpConnection() {
  // Normally finish_close() already did this; a loop destroyed with open connections did not.
  if (channel_->registered()) channel_->remove();
  loop_->cancel(idle_timer_);
  loop_->cancel(linger_timer_);
  for (TimerId t : timers_) loop_->cancel(t);
  transport_.reset();
  if (fd_ >= 0) ::close(fd_);
}

void TcpConnection::set_handler(std::unique_ptr<ConnectionHandler> handler) {
  handler_ = std::move(handler);
}

void TcpConnection::set_close_hook(std::function<void(TcpConnection&)> hook) {
  close_hook_ = std::move(hook);
}

void TcpConnection::start() {
  loop_->assert_in_loop_thread();
  note_activity();
  ++dispatch_depth_;
  update_interest();
  do_handshake();
  --dispatch_depth_;
}

void TcpConnection::do_handshake() {
  IoResult r = transport_->handshake();
  switch (r.status) {
    case IoStatus::kOk:
      handshake_wants_write_ = false;
      on_established();
      return;
    case IoStatus::kWouldBlock:
      handshake_wants_write_ = r.want == IoWant::kWrite;
      update_interest();
      return;
    case IoStatus::kEof: fail(ECONNRESET, "handshake"); return;
    case IoStatus::kError: fail(r.err, "handshake"); return;
  }
}

void TcpConnection::on_established() {
  if (state_ == State::kConnecting) state_ = State::kConnected;
  update_interest();
  call_handler([this](ConnectionHandler& h) { h.on_connected(*this); });
  if (state_ == State::kClosed) return;
  // Output queued during the handshake, and input that arrived with it (TLS may already hold
  // decrypted bytes, which no readiness event would announce).
  if (!output_.empty()) flush_output();
  if (state_ != State::kClosed && transport_->has_buffered_input()) schedule_read_continuation();
}

void TcpConnection::handle_event(uint32_t events) {
  if (state_ == State::kClosed) return;
  ++dispatch_depth_;
  if (events & Channel::kError) {
    int err = sockets::socket_error(fd_);
    if (err != 0) fail(err, "socket");
  }
  if (state_ != State::kClosed && (events & (Channel::kReadable | Channel::kHangup))) {
    if (state_ == State::kConnecting) {
      do_handshake();
    } else {
      if (write_wants_read_) flush_output();
      if (state_ != State::kClosed) handle_read();
    }
  }
  if (state_ != State::kClosed && (events & Channel::kWritable)) handle_write();
  if (state_ != State::kClosed && (events & Channel::kHangup) && !(events & Channel::kReadable)) {
    // Both directions are finished (or the connection was reset) and there is nothing left to
    // read: a paused or already-EOF reader would otherwise never notice.
    int err = sockets::socket_error(fd_);
    finish_close(err);
  }
  --dispatch_depth_;
  if (dispatch_depth_ == 0 && write_complete_pending_ && state_ != State::kClosed) {
    write_complete_pending_ = false;
    call_handler([this](ConnectionHandler& h) { h.on_write_complete(*this); });
  }
}

void TcpConnection::handle_read() {
  if (state_ == State::kClosed || state_ == State::kConnecting) return;
  if (peer_closed_) {
    // Nothing more will arrive, but input held back while reading was paused is still owed to
    // the handler (pipelined requests behind backpressure, tunnel bytes after the peer's FIN).
    if (redeliver_input_ && !reading_paused_ && !close_requested_ && !lingering_ &&
        !input_.empty()) {
      redeliver_input_ = false;
      call_handler([this](ConnectionHandler& h) { h.on_data(*this, input_); });
    }
    redeliver_input_ = false;
    return;
  }
  bool discarding = close_requested_ || lingering_;
  if (reading_paused_ && !discarding) return;

  size_t total = 0;
  bool exhausted = false;
  while (true) {
    if (total >= limits_.read_budget_bytes) {
      exhausted = true;
      break;
    }
    IoResult r = transport_->read(input_);
    if (r.status == IoStatus::kOk) {
      total += r.bytes;
      loop_->stats().bytes_read += r.bytes;
      if (discarding) {
        linger_discarded_ += input_.readable_bytes();
        input_.retrieve_all();
      }
      continue;
    }
    if (r.status == IoStatus::kWouldBlock) {
      read_wants_write_ = r.want == IoWant::kWrite;
      if (read_wants_write_) {
        // The socket may already be writable, with no new edge coming: make epoll look again.
        update_interest();
        channel_->rearm();
      }
      break;
    }
    if (r.status == IoStatus::kEof) {
      peer_closed_ = true;
      break;
    }
    fail(r.err, "read");
    return;
  }
  if (total > 0) note_activity();

  if (discarding) {
    // Lingering ends at the peer's FIN or after too many discarded bytes. While still flushing
    // (not yet lingering) a FIN only means the peer is done sending: keep flushing.
    if (lingering_ && (peer_closed_ || linger_discarded_ > limits_.linger_max_bytes)) {
      finish_close(0);
      return;
    }
  } else if (total > 0 || (redeliver_input_ && !input_.empty())) {
    redeliver_input_ = false;
    call_handler([this](ConnectionHandler& h) { h.on_data(*this, input_); });
    if (state_ == State::kClosed) return;
    if (input_.empty() && input_.capacity() > kKeepInputCapacity) input_.release();
  }
  redeliver_input_ = false;

  if (peer_closed_) {
    handle_peer_eof();
    return;
  }
  if (exhausted && !(reading_paused_ && !discarding)) schedule_read_continuation();
}

void TcpConnection::handle_peer_eof() {
  update_interest();  // no more read interest: poll would report EOF forever
  if (close_requested_) {
    maybe_finish_closing();
    return;
  }
  if (write_shut_) {
    finish_close(0);  // both directions done
    return;
  }
  state_ = State::kHalfClosed;
  call_handler([this](ConnectionHandler& h) { h.on_peer_half_closed(*this); });
}

void TcpConnection::handle_write() {
  if (state_ == State::kConnecting) {
    do_handshake();
    return;
  }
  if (read_wants_write_) {
    read_wants_write_ = false;
    handle_read();
    if (state_ == State::kClosed) return;
  }
  if (!output_.empty()) {
    flush_output();
  } else {
    update_interest();
  }
}

void TcpConnection::after_output_drained(bool wrote_something) {
  if (close_requested_) {
    maybe_finish_closing();
    return;
  }
  if (shutdown_requested_ && !write_shut_) {
    if (!start_shutdown_write()) return;
    if (peer_closed_) {
      finish_close(0);
      return;
    }
  }
  if (wrote_something) schedule_write_complete();
}

void TcpConnection::maybe_finish_closing() {
  if (state_ == State::kClosed) return;
  if (!output_.empty() && !write_shut_) return;  // still flushing
  if (peer_closed_ || limits_.linger_ms <= 0) {
    // End our stream properly even without lingering: for TLS this sends close_notify (RFC 8446
    // 6.1), without which the peer cannot tell the end of the data from a truncation.
    if (!write_shut_) transport_->shutdown_write();
    finish_close(0);
    return;
  }
  if (!write_shut_ && !start_shutdown_write()) return;
  if (!lingering_) start_linger();
}

bool TcpConnection::start_shutdown_write() {
  IoResult r = transport_->shutdown_write();
  if (r.status == IoStatus::kError) {
    fail(r.err, "shutdown");
    return false;
  }
  write_shut_ = true;
  output_.clear();
  if (state_ == State::kConnected) state_ = State::kHalfClosed;
  update_interest();
  return true;
}

void TcpConnection::start_linger() {
  lingering_ = true;
  state_ = State::kClosing;
  linger_discarded_ = 0;
  input_.retrieve_all();
  update_interest();
  linger_timer_ = loop_->run_after(std::chrono::milliseconds(limits_.linger_ms), [this] {
    linger_timer_ = TimerId{};
    finish_close(0);
  });
  // Input may already be waiting; an edge-triggered poller would not report it again.
  schedule_read_continuation();
}

void TcpConnection::fail(int err, const char* what) {
  if (state_ == State::kClosed) return;
  if (routine_error(err)) {
    LOG_DEBUG("conn %llu %s: %s: %s", static_cast<unsigned long long>(id_),
              peer_.to_string().c_str(), what, std::strerror(err));
  } else {
    LOG_WARN("conn %llu %s: %s: %s", static_cast<unsigned long long>(id_),
             peer_.to_string().c_str(), what, std::strerror(err));
  }
  finish_close(err);
}

void TcpConnection::finish_close(int err) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  close_error_ = err;
  loop_->cancel(idle_timer_);
  loop_->cancel(linger_timer_);
  idle_timer_ = linger_timer_ = TimerId{};
  for (TimerId t : timers_) loop_->cancel(t);
  timers_.clear();
  channel_->remove();
  output_.clear();
  input_.retrieve_all();
  ::close(fd_);
  fd_ = -1;
  ++loop_->stats().connections_closed;
  if (handler_depth_ > 0) {
    close_notify_pending_ = true;  // delivered when the running handler callback returns
  } else {
    notify_closed();
  }
}

void TcpConnection::notify_closed() {
  close_notify_pending_ = false;
  ++handler_depth_;  // calls made from on_closed must not re-enter this
  // The owner's bookkeeping first, so a handler (or whoever it signals) already sees the
  // server's connection_count() without this connection.
  if (close_hook_) close_hook_(*this);
  if (handler_) handler_->on_closed(*this);
  --handler_depth_;
  // Moves this object to the loop's list of connections destroyed at the end of the
  // iteration: everything up the stack may still use it until then.
  loop_->remove_connection(id_);
}

bool TcpConnection::output_open() const {
  return state_ != State::kClosed && !close_requested_ && !shutdown_requested_ && !write_shut_;
}

void TcpConnection::schedule_read_continuation() {
  if (read_continuation_pending_ || state_ == State::kClosed) return;
  read_continuation_pending_ = true;
  EventLoop* loop = loop_;
  uint64_t id = id_;
  loop_->post([loop, id] {
    if (TcpConnection* c = loop->find_connection(id)) {
      c->read_continuation_pending_ = false;
      c->handle_event(Channel::kReadable);
    }
  });
}

void TcpConnection::update_interest() {
  if (state_ == State::kClosed) return;
  bool want_read;
  bool want_write;
  if (state_ == State::kConnecting) {
    want_read = !handshake_wants_write_;
    want_write = handshake_wants_write_;
  } else {
    bool discarding = close_requested_ || lingering_;
    want_read = !peer_closed_ && (!reading_paused_ || discarding || write_wants_read_);
    want_write = read_wants_write_ || (!output_.empty() && !write_shut_ && !write_wants_read_);
  }
  channel_->set_interest((want_read ? Channel::kReadable : 0u) |
                         (want_write ? Channel::kWritable : 0u));
}

void TcpConnection::pause_reading() {
  loop_->assert_in_loop_thread();
  if (reading_paused_) return;
  reading_paused_ = true;
  update_interest();
}

void TcpConnection::resume_reading() {
  loop_->assert_in_loop_thread();
  if (!reading_paused_) return;
  reading_paused_ = false;
  redeliver_input_ = true;
  update_interest();
  schedule_read_continuation();
}

void TcpConnection::shutdown() {
  if (!loop_->in_loop_thread()) {
    ConnectionRef(loop_, id_).with([](TcpConnection& c) { c.shutdown(); });
    return;
  }
  if (state_ == State::kClosed || write_shut_ || shutdown_requested_ || close_requested_) return;
  shutdown_requested_ = true;
  if (output_.empty() && state_ != State::kConnecting) after_output_drained(false);
}

void TcpConnection::close() {
  if (!loop_->in_loop_thread()) {
    ConnectionRef(loop_, id_).close();
    return;
  }
  if (state_ == State::kClosed || close_requested_) return;
  if (state_ == State::kConnecting) {
    finish_close(0);
    return;
  }
  close_requested_ = true;
  state_ = State::kClosing;
  input_.retrieve_all();  // no more input is delivered
  update_interest();      // keep reading (and discarding) so the receive buffer stays empty
  maybe_finish_closing();
}

void TcpConnection::close_after_flush_with_linger(std::chrono::milliseconds linger) {
  if (!loop_->in_loop_thread()) {
    ConnectionRef(loop_, id_).with([linger](TcpConnection& c) {
      c.close_after_flush_with_linger(linger);
    });
    return;
  }
  limits_.linger_ms = linger.count();
  close();
}

void TcpConnection::force_close() {
  if (!loop_->in_loop_thread()) {
    ConnectionRef(loop_, id_).with([](TcpConnection& c) { c.force_close(); });
    return;
  }
  finish_close(0);
}

void TcpConnection::abort() {
  if (!loop_->in_loop_thread()) {
    ConnectionRef(loop_, id_).abort();
    return;
  }
  if (state_ == State::kClosed) return;
  sockets::set_linger_zero(fd_);  // close() now sends RST instead of FIN
  finish_close(0);
}

void TcpConnection::set_idle_timeout(std::chrono::milliseconds timeout) {
  loop_->assert_in_loop_thread();
  idle_timeout_ms_ = timeout.count() > 0 ? timeout.count() : 0;
  loop_->cancel(idle_timer_);
  idle_timer_ = TimerId{};
  if (idle_timeout_ms_ > 0 && state_ != State::kClosed) {
    note_activity();
    arm_idle_timer(idle_timeout_ms_);
  }
}

void TcpConnection::arm_idle_timer(int64_t delay_ms) {
  // One timer per connection, re-armed lazily: activity only stamps last_activity_ms_, and
  // the timer, when it fires, sleeps again for the remainder. No timer churn per read.
  idle_timer_ = loop_->run_after(std::chrono::milliseconds(delay_ms), [this] { on_idle_timer(); });
}

void TcpConnection::on_idle_timer() {
  idle_timer_ = TimerId{};
  if (state_ == State::kClosed || idle_timeout_ms_ == 0) return;
  int64_t idle = loop_->now_ms() - last_activity_ms_;
  if (idle < idle_timeout_ms_) {
    arm_idle_timer(idle_timeout_ms_ - idle);
    return;
  }
  if (close_requested_ || lingering_) {
    abort();  // even closing made no progress for a whole timeout
    return;
  }
  if (state_ == State::kConnecting) {
    // The transport handshake (TLS) did not finish within the timeout: a handshake deadline
    // that holds whatever the handler does with idle connections (it never saw on_connected).
    abort();
    return;
  }
  call_handler([this](ConnectionHandler& h) { h.on_idle_timeout(*this); });
  if (state_ != State::kClosed && !idle_timer_) {
    note_activity();
    arm_idle_timer(idle_timeout_ms_);
  }
}

TimerId TcpConnection::run_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  loop_->assert_in_loop_thread();
  if (state_ == State::kClosed) return TimerId{};
  // Forget ids that already fired so a long-lived connection's list stays short.
  if (timers_.size() >= 8) {
    std::erase_if(timers_, [this](TimerId t) { return !loop_->timer_pending(t); });
  }
  TimerId id = loop_->run_after(delay, [this, fn = std::move(fn)] {
    if (state_ == State::kClosed) return;
    ++handler_depth_;
    fn();
    --handler_depth_;
    if (handler_depth_ == 0 && close_notify_pending_) notify_closed();
  });
  timers_.push_back(id);
  return id;
}

void TcpConnection::cancel_timer(TimerId id) {
  loop_->cancel(id);
  std::erase(timers_, id);
}

void TcpConnection::release_buffers() { input_.release(); }

void TcpConnection::set_tcp_nodelay(bool on) {
  if (fd_ >= 0) sockets::set_tcp_nodelay(fd_, on);
}

TcpInfo TcpConnection::tcp_info() const {
  TcpInfo out;
  if (fd_ < 0) return out;
  struct ::tcp_info ti {};
  socklen_t len = sizeof ti;
  if (::getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) return out;
  out.valid = true;
  out.state = ti.tcpi_state;
  out.rtt_us = ti.tcpi_rtt;
  out.rttvar_us = ti.tcpi_rttvar;
  out.retransmits = ti.tcpi_retransmits;
  out.total_retrans = ti.tcpi_total_retrans;
  out.snd_cwnd = ti.tcpi_snd_cwnd;
  out.snd_mss = ti.tcpi_snd_mss;
  out.unacked = ti.tcpi_unacked;
  out.lost = ti.tcpi_lost;
  return out;
}

}  // namespace portico::net
