// echo_server: a line-delimited echo server, the smallest complete program on portico::net.
//
// Every line a client sends ("...\n") comes back unchanged. TCP may deliver a line in pieces
// or several lines in one read; the DelimiterCodec turns the byte stream back into lines, so
// the code below only ever sees whole ones.
//
//   echo_server [--listen HOST:PORT] [--threads N] [--event-backend epoll|poll]
//               [--max-line BYTES]
//
// It prints "listening on HOST:PORT" as its first line (useful with port 0, which picks a
// free port) and stops cleanly on SIGINT or SIGTERM.
//   $ echo_server --listen 127.0.0.1:7000 &
//   $ printf 'hello\nworld\n' | nc -q1 127.0.0.1 7000
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "portico/net/delimiter_codec.h"
#include "portico/net/event_loop.h"
#include "portico/net/event_loop_thread_pool.h"
#include "portico/net/framed_handler.h"
#include "portico/net/inet_address.h"
#include "portico/net/tcp_connection.h"
#include "portico/net/tcp_server.h"

using namespace portico::net;

namespace {

struct Options {
  std::string listen = "127.0.0.1:7000";
  int threads = 1;  // worker loops; 0 runs everything on the main loop
  Backend backend = Backend::kEpoll;
  size_t max_line_bytes = size_t{64} * 1024;
};

constexpr const char* kUsage =
    "usage: echo_server [--listen HOST:PORT] [--threads N] [--event-backend epoll|poll] "
    "[--max-line BYTES]\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "echo_server: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

long parse_number(const std::string& flag, const char* text, long min, long max) {
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < min || value > max) {
    usage_error(flag + ": expected a number in " + std::to_string(min) + ".." +
                std::to_string(max) + ", got '" + text + "'");
  }
  return value;
}

Options parse_args(int argc, char** argv) {
  Options opts;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) usage_error("unknown flag or missing value: " + flag);
    const char* value = argv[++i];
    if (flag == "--listen") {
      opts.listen = value;
    } else if (flag == "--threads") {
      opts.threads = static_cast<int>(parse_number(flag, value, 0, 256));
    } else if (flag == "--event-backend") {
      auto backend = EventLoop::parse_backend(value);
      if (!backend)
        usage_error("--event-backend: expected epoll or poll, got '" + std::string(value) + "'");
      opts.backend = *backend;
    } else if (flag == "--max-line") {
      opts.max_line_bytes = static_cast<size_t>(parse_number(flag, value, 1, 1 << 30));
    } else {
      usage_error("unknown flag: " + flag);
    }
  }
  return opts;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opts = parse_args(argc, argv);
  auto addr = InetAddress::parse(opts.listen);
  if (!addr) usage_error("--listen: not a numeric HOST:PORT: '" + opts.listen + "'");

  // Signals are read from a signalfd by the main loop; block them before any thread starts so
  // that no worker thread receives them instead. A peer that resets while we write must give
  // an error, not kill the process.
  block_signals({SIGINT, SIGTERM});
  std::signal(SIGPIPE, SIG_IGN);

  EventLoop main_loop(opts.backend);
  EventLoopThreadPool workers(opts.backend, opts.threads);
  if (opts.threads > 0) workers.start();

  // The framing: lines ending in "\n", at most max_line_bytes each. The decoder keeps
  // per-connection state, so each connection gets its own; the encoder is shared.
  const size_t max_line = opts.max_line_bytes;
  auto encoder = std::make_shared<DelimiterCodec>("\n", max_line);

  TcpServer server(&main_loop, opts.threads > 0 ? workers.loops() : std::vector<EventLoop*>{},
                   *addr);
  server.set_handler_factory(framed_handler_factory(
      [max_line] { return std::make_unique<DelimiterCodec>("\n", max_line); }, encoder,
      // The protocol: send every line back. This runs on the connection's loop thread.
      [](FramedHandler& self, TcpConnection& conn, std::string_view line) {
        self.send_frame(conn, line);
      },
      // A line longer than the limit: say so; FramedHandler then logs and closes.
      [max_line](TcpConnection& conn, const DecodeResult&) {
        conn.send("error: line longer than " + std::to_string(max_line) + " bytes\n");
      }));
  try {
    server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_server: %s\n", e.what());
    return 1;
  }
  std::printf("listening on %s\n", server.listen_address().to_string().c_str());
  std::fflush(stdout);

  main_loop.on_signals({SIGINT, SIGTERM}, [&main_loop](int) { main_loop.quit(); });
  main_loop.run();

  // Leaving scope stops the server (it closes its connections on their loops), then the
  // worker threads.
  return 0;
}
