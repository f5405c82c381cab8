// One active health probe over a plain TCP connection (HTTP/1.1 GET, head only).
#include "proxy/health_probe.h"

#include <cerrno>
#include <utility>

#include "portico/net/buffer.h"
#include "portico/net/tcp_connection.h"
#include "portico/proxy/response_parser.h"

namespace portico::proxy::detail {

struct HealthProbe::Attempt {
  HealthProbe* probe;       // null once the probe finished or was cancelled
  uint64_t connection = 0;  // id of the connection, once connected
  std::string request;
};

namespace {

// Probes need only the head, and a health endpoint's head is small.
ResponseLimits probe_limits() {
  ResponseLimits l;
  l.max_header_bytes = 16 * 1024;
  return l;
}

class ProbeHandler final : public net::ConnectionHandler {
 public:
  using Finish = std::function<void(ProbeOutcome, int)>;
  ProbeHandler(std::shared_ptr<HealthProbe::Attempt> attempt, Finish finish)
      : attempt_(std::move(attempt)), finish_(std::move(finish)) {}

  void on_connected(net::TcpConnection& conn) override {
    attempt_->connection = conn.id();
    conn.send(std::string_view(attempt_->request));
  }

  void on_data(net::TcpConnection& conn, net::Buffer& input) override {
    if (attempt_->probe == nullptr) {
      input.retrieve_all();
      return;
    }
    ResponseHead head;
    const ResponseParseResult r =
        parse_response_head(input.view(), http::Method::kGet, limits_, scan_, head);
    if (r.status == http::ParseStatus::kNeedMore) return;
    if (r.status == http::ParseStatus::kError) {
      done(conn, ProbeOutcome::kBadResponse, 0);
      return;
    }
    if (head.interim()) {  // 100 Continue or 103 Early Hints: the real answer follows
      input.retrieve(head.head_bytes);
      scan_.reset();
      on_data(conn, input);
      return;
    }
    done(conn, head.status == 101 ? ProbeOutcome::kBadStatus : judge_(head.status), head.status);
  }

  void on_peer_half_closed(net::TcpConnection& conn) override {
    done(conn, ProbeOutcome::kBadResponse, 0);
  }

  void on_closed(net::TcpConnection& /*conn*/) override {
    if (attempt_->probe != nullptr) finish_(ProbeOutcome::kBadResponse, 0);
  }

  void set_judge(std::function<ProbeOutcome(int)> judge) { judge_ = std::move(judge); }

 private:
  void done(net::TcpConnection& conn, ProbeOutcome outcome, int status) {
    if (attempt_->probe != nullptr) finish_(outcome, status);
    conn.force_close();
  }

  std::shared_ptr<HealthProbe::Attempt> attempt_;
  Finish finish_;
  std::function<ProbeOutcome(int)> judge_;
  ResponseLimits limits_ = probe_limits();
  http::HeadScanState scan_;
};

}  // namespace

HealthProbe::HealthProbe(net::EventLoop* loop, ActiveCheckOptions options)
    : loop_(loop), options_(std::move(options)) {}

HealthProbe::~HealthProbe() { cancel(); }

void HealthProbe::cancel() {
  loop_->cancel(timeout_);
  timeout_ = net::TimerId{};
  client_.reset();  // stops a connect in progress without callbacks
  if (attempt_) {
    attempt_->probe = nullptr;
    if (attempt_->connection != 0) {
      if (net::TcpConnection* c = loop_->find_connection(attempt_->connection)) c->force_close();
    }
    attempt_.reset();
  }
  done_ = nullptr;
}

void HealthProbe::start(const net::InetAddress& address, std::string_view host, Done done) {
  cancel();
  done_ = std::move(done);
  attempt_ = std::make_shared<Attempt>();
  attempt_->probe = this;
  attempt_->request = "GET " + options_.path + " HTTP/1.1\r\nHost: " + std::string(host) +
                      "\r\nUser-Agent: portico-health-check\r\nAccept: */*\r\n"
                      "Connection: close\r\n\r\n";

  net::ConnectOptions co;
  co.connect_timeout = std::chrono::milliseconds(options_.timeout_ms);
  client_ = std::make_unique<net::TcpClient>(loop_, address, co);
  const std::shared_ptr<Attempt> attempt = attempt_;
  const uint16_t lo = options_.expect_status_min;
  const uint16_t hi = options_.expect_status_max;
  client_->set_handler_factory([this, attempt, lo, hi](net::TcpConnection&) {
    auto h = std::make_unique<ProbeHandler>(attempt, [this, attempt](ProbeOutcome o, int s) {
      if (attempt->probe == this) finish(o, s);
    });
    h->set_judge([lo, hi](int status) {
      return status >= lo && status <= hi ? ProbeOutcome::kPass : ProbeOutcome::kBadStatus;
    });
    return h;
  });
  client_->set_on_failure([this, attempt](int err) {
    if (attempt->probe == this) {
      finish(err == ETIMEDOUT ? ProbeOutcome::kTimeout : ProbeOutcome::kConnectFailed, 0);
    }
  });
  // Deferred so that `done` never runs inside start(), even when the connect fails at once.
  timeout_ = loop_->run_after(std::chrono::milliseconds(options_.timeout_ms), [this] {
    timeout_ = net::TimerId{};
    finish(ProbeOutcome::kTimeout, 0);
  });
  loop_->run_after(std::chrono::milliseconds(0), [this, attempt] {
    if (attempt->probe == this && client_) client_->connect();
  });
}

void HealthProbe::finish(ProbeOutcome outcome, int status) {
  Done done = std::move(done_);
  // Ends the attempt first (closing its connection): the callback may start the next probe or
  // destroy this one.
  cancel();
  if (done) done(outcome, status);
}

}  // namespace portico::proxy::detail
