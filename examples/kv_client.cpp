// kv_client: sends one command to kv_server and prints the reply (protocol: kv_server.cpp).
//
//   kv_client [--connect HOST:PORT] [--timeout-ms N] GET <key>
//   kv_client [--connect HOST:PORT] [--timeout-ms N] SET <key> <value...>
//   kv_client [--connect HOST:PORT] [--timeout-ms N] DEL <key>
//
// Prints the reply payload ("OK", "VALUE ...", "NOT_FOUND", "ERR ...") on stdout. Exit status
// 0 for OK/VALUE, 1 for NOT_FOUND/ERR or a connection failure, 2 for a usage error.
// It is also the client-side example: TcpClient connects, and a FramedHandler subclass frames
// the request and decodes the reply.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "portico/net/event_loop.h"
#include "portico/net/framed_handler.h"
#include "portico/net/inet_address.h"
#include "portico/net/length_prefix_codec.h"
#include "portico/net/tcp_client.h"
#include "portico/net/tcp_connection.h"

using namespace portico::net;

namespace {

LengthPrefixCodecOptions framing() {
  LengthPrefixCodecOptions options;
  options.header_bytes = 4;
  options.max_frame_bytes = size_t{1024} * 1024;
  return options;
}

// One request, one reply. Deriving from FramedHandler (instead of passing callbacks) keeps
// the whole client-side protocol in one small class.
class RequestHandler : public FramedHandler {
 public:
  RequestHandler(std::string request, int* exit_code, EventLoop* loop)
      : FramedHandler(std::make_unique<LengthPrefixCodec>(framing()),
                      std::make_shared<LengthPrefixCodec>(framing())),
        request_(std::move(request)),
        exit_code_(exit_code),
        loop_(loop) {}

  void on_connected(TcpConnection& conn) override {
    if (send_frame(conn, request_) != EncodeStatus::kOk) {
      std::fprintf(stderr, "kv_client: request too large\n");
      conn.close();
    }
  }

  void on_frame(TcpConnection& conn, std::string_view reply) override {
    std::fwrite(reply.data(), 1, reply.size(), stdout);
    std::fputc('\n', stdout);
    const bool ok = reply == "OK" || reply.substr(0, 6) == "VALUE ";
    *exit_code_ = ok ? 0 : 1;
    conn.close();
  }

  void on_closed(TcpConnection& /*conn*/) override {
    if (*exit_code_ < 0) std::fprintf(stderr, "kv_client: connection closed before a reply\n");
    loop_->quit();
  }

 private:
  std::string request_;
  int* exit_code_;
  EventLoop* loop_;
};

constexpr const char* kUsage =
    "usage: kv_client [--connect HOST:PORT] [--timeout-ms N] "
    "GET <key> | SET <key> <value...> | DEL <key>\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "kv_client: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string connect_to = "127.0.0.1:7001";
  long timeout_ms = 5000;
  int i = 1;
  for (; i < argc && std::strncmp(argv[i], "--", 2) == 0; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) usage_error("missing value for " + flag);
    if (flag == "--connect") {
      connect_to = argv[i + 1];
    } else if (flag == "--timeout-ms") {
      char* end = nullptr;
      timeout_ms = std::strtol(argv[i + 1], &end, 10);
      if (*end != '\0' || timeout_ms <= 0) usage_error("--timeout-ms: expected a positive number");
    } else {
      usage_error("unknown flag: " + flag);
    }
  }
  if (i >= argc) usage_error("missing command");
  // The request is the command words joined by single spaces (SET's value may span words).
  std::string request = argv[i];
  for (int j = i + 1; j < argc; ++j) request += std::string(" ") + argv[j];

  auto addr = InetAddress::parse(connect_to);
  if (!addr) usage_error("--connect: not a numeric HOST:PORT: '" + connect_to + "'");
  std::signal(SIGPIPE, SIG_IGN);

  EventLoop loop;
  int exit_code = -1;  // -1: no reply yet
  ConnectOptions options;
  options.connect_timeout = std::chrono::milliseconds(timeout_ms);
  TcpClient client(&loop, *addr, options);
  client.set_handler_factory(
      [&](TcpConnection&) { return std::make_unique<RequestHandler>(request, &exit_code, &loop); });
  client.set_on_failure([&](int err) {
    std::fprintf(stderr, "kv_client: connect %s: %s\n", connect_to.c_str(), std::strerror(err));
    loop.quit();
  });
  // A server that accepts but never answers must not hang us.
  loop.run_after(std::chrono::milliseconds(timeout_ms), [&] {
    std::fprintf(stderr, "kv_client: no reply within %ld ms\n", timeout_ms);
    loop.quit();
  });
  client.connect();
  loop.run();
  return exit_code == 0 ? 0 : 1;
}
