// TcpConnection output: send paths, the queue flush (writev/sendfile), high-water, completion.
#include <sys/uio.h>

#include <cerrno>

#include "net/channel.h"
#include "portico/base/log.h"
#include "portico/net/tcp_connection.h"

namespace portico::net {
namespace {

// iovecs per writev: enough to flush many queued chunks in one syscall.
constexpr int kMaxIov = 64;

}  // namespace

void TcpConnection::flush_output() {
  if (state_ == State::kClosed || state_ == State::kConnecting || write_shut_) return;
  write_wants_read_ = false;
  size_t written = 0;
  while (!output_.empty()) {
    IoResult r;
    if (OutputQueue::Segment* seg = output_.front_file()) {
      r = transport_->sendfile(seg->file->fd(), &seg->file_offset, seg->file_remaining);
      if (r.status == IoStatus::kOk) {
        output_.consume_file(r.bytes);
        written += r.bytes;
        continue;
      }
      if (r.status == IoStatus::kError && r.err == ENODATA) {
        // The file shrank after the region was queued: the peer was promised bytes that no
        // longer exist, and only an abort tells it the response is incomplete.
        LOG_WARN("conn %llu %s: file ended before the queued region; aborting",
                 static_cast<unsigned long long>(id_), peer_.to_string().c_str());
        abort();
        return;
      }
    } else {
      iovec iov[kMaxIov];
      int n = output_.gather(iov, kMaxIov);
      r = transport_->writev(iov, n);
      if (r.status == IoStatus::kOk) {
        output_.consume_memory(r.bytes);
        written += r.bytes;
        continue;
      }
    }
    if (r.status == IoStatus::kWouldBlock) {
      write_wants_read_ = r.want == IoWant::kRead;
      break;
    }
    fail(r.err, "write");
    return;
  }
  if (written > 0) {
    loop_->stats().bytes_written += written;
    note_activity();
  }
  if (high_water_signalled_ && output_.memory_bytes() < limits_.high_water_bytes) {
    high_water_signalled_ = false;  // re-arm for the next crossing
  }
  update_interest();
  // A write that needs readability (TLS renegotiation) may find the socket already readable
  // with its edge consumed: make epoll look again.
  if (write_wants_read_) channel_->rearm();
  if (output_.empty()) after_output_drained(written > 0);
}

bool TcpConnection::try_write_direct(const char* data, size_t len, size_t* written) {
  *written = 0;
  if (!output_.empty() || state_ == State::kConnecting || write_wants_read_) return true;
  iovec iov;
  iov.iov_base = const_cast<char*>(data);
  iov.iov_len = len;
  IoResult r = transport_->writev(&iov, 1);
  if (r.status == IoStatus::kOk) {
    *written = r.bytes;
    loop_->stats().bytes_written += r.bytes;
    note_activity();
    return true;
  }
  if (r.status == IoStatus::kWouldBlock) {
    write_wants_read_ = r.want == IoWant::kRead;
    if (write_wants_read_) channel_->rearm();
    return true;
  }
  fail(r.err, "write");
  return false;
}

bool TcpConnection::admit_to_queue(size_t len) {
  if (output_.memory_bytes() + len <= limits_.max_queued_bytes) return true;
  // A peer that does not read while we keep producing would grow memory without bound.
  LOG_WARN("conn %llu %s: output queue would exceed %zu bytes; aborting",
           static_cast<unsigned long long>(id_), peer_.to_string().c_str(),
           limits_.max_queued_bytes);
  abort();
  return false;
}

void TcpConnection::check_high_water() {
  if (high_water_signalled_ || limits_.high_water_bytes == 0) return;
  size_t queued = output_.memory_bytes();
  if (queued < limits_.high_water_bytes) return;
  high_water_signalled_ = true;
  call_handler([this, queued](ConnectionHandler& h) { h.on_high_water(*this, queued); });
}

void TcpConnection::send(std::string_view data) {
  if (!loop_->in_loop_thread()) {
    ConnectionRef(loop_, id_).send(std::string(data));
    return;
  }
  if (!output_open() || data.empty()) return;
  size_t written = 0;
  if (!try_write_direct(data.data(), data.size(), &written)) return;
  size_t rest = data.size() - written;
  if (rest == 0) {
    schedule_write_complete();
    return;
  }
  if (!admit_to_queue(rest)) return;
  output_.append(data.data() + written, rest);
  update_interest();
  check_high_water();
}

void TcpConnection::send(std::string&& data) {
  if (!loop_->in_loop_thread()) {
    ConnectionRef(loop_, id_).send(std::move(data));
    return;
  }
  if (!output_open() || data.empty()) return;
  size_t written = 0;
  if (!try_write_direct(data.data(), data.size(), &written)) return;
  size_t rest = data.size() - written;
  if (rest == 0) {
    schedule_write_complete();
    return;
  }
  if (!admit_to_queue(rest)) return;
  if (written == 0) {
    output_.append(std::move(data));
  } else {
    output_.append(data.data() + written, rest);
  }
  update_interest();
  check_high_water();
}

void TcpConnection::send(Buffer& data) {
  if (!loop_->in_loop_thread()) {
    ConnectionRef(loop_, id_).send(data.retrieve_all_as_string());
    return;
  }
  send(data.view());
  data.retrieve_all();
}

void TcpConnection::send_file(std::shared_ptr<const FileRef> file, int64_t offset, size_t len) {
  if (!loop_->in_loop_thread()) {
    ConnectionRef(loop_, id_).with([file = std::move(file), offset, len](TcpConnection& c) {
      c.send_file(file, offset, len);
    });
    return;
  }
  if (!output_open() || !file || len == 0) return;
  output_.append_file(std::move(file), offset, len);
  if (output_.total_bytes() == len) {
    flush_output();  // the queue was empty: start now
  } else {
    update_interest();
  }
}

void TcpConnection::schedule_write_complete() {
  if (dispatch_depth_ > 0) {
    write_complete_pending_ = true;  // delivered when the current event finishes
    return;
  }
  EventLoop* loop = loop_;
  uint64_t id = id_;
  loop_->post([loop, id] {
    TcpConnection* c = loop->find_connection(id);
    if (c != nullptr && c->state_ != State::kClosed && c->output_.empty()) {
      c->call_handler([c](ConnectionHandler& h) { h.on_write_complete(*c); });
    }
  });
}

}  // namespace portico::net
