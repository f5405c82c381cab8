// kv_server: a tiny in-memory key-value server over length-prefixed frames.
//
// The protocol (kv_client speaks it; so can ten lines of any language):
//   Every message, in both directions, is one frame: a 4-byte big-endian length N, then N
//   bytes of payload. Length-prefixing makes values binary-safe: a value may hold spaces,
//   newlines or NUL bytes, and no escaping is needed.
//   Requests (payloads):
//     "GET <key>"          -> "VALUE <value>" | "NOT_FOUND"
//     "SET <key> <value>"  -> "OK"    (the value is every byte after the second space)
//     "DEL <key>"          -> "OK" | "NOT_FOUND"
//     anything else        -> "ERR <reason>"
//   Keys are 1..250 bytes without spaces. A frame may be up to 1 MiB; a longer length field
//   is a framing error, and the server closes that connection (it cannot know where the next
//   frame would start).
//   A client may send many requests without waiting (pipelining); replies come in order.
//
//   kv_server [--listen HOST:PORT] [--event-backend epoll|poll]
//
// One event loop owns the map, so no lock is needed. Prints "listening on HOST:PORT" first.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "portico/net/event_loop.h"
#include "portico/net/framed_handler.h"
#include "portico/net/inet_address.h"
#include "portico/net/length_prefix_codec.h"
#include "portico/net/tcp_connection.h"
#include "portico/net/tcp_server.h"

using namespace portico::net;

namespace {

constexpr size_t kMaxKeyBytes = 250;

// 4-byte big-endian length, the whole frame up to 1 MiB.
LengthPrefixCodecOptions framing() {
  LengthPrefixCodecOptions options;
  options.header_bytes = 4;
  options.max_frame_bytes = size_t{1024} * 1024;
  return options;
}

// The store and the command interpreter: a pure function from request to reply.
class KvStore {
 public:
  std::string execute(std::string_view request) {
    const size_t space = request.find(' ');
    if (space == std::string_view::npos) return "ERR expected '<command> <key>'";
    const std::string_view command = request.substr(0, space);
    std::string_view key = request.substr(space + 1);
    std::string_view value;
    const size_t second = key.find(' ');
    if (command == "SET") {
      if (second == std::string_view::npos) return "ERR SET needs a value";
      value = key.substr(second + 1);
      key = key.substr(0, second);
    } else if (second != std::string_view::npos) {
      return "ERR keys contain no spaces";
    }
    if (key.empty() || key.size() > kMaxKeyBytes) return "ERR keys are 1..250 bytes";

    if (command == "GET") {
      auto it = map_.find(std::string(key));
      return it == map_.end() ? "NOT_FOUND" : "VALUE " + it->second;
    }
    if (command == "SET") {
      map_.insert_or_assign(std::string(key), std::string(value));
      return "OK";
    }
    if (command == "DEL") return map_.erase(std::string(key)) ? "OK" : "NOT_FOUND";
    return "ERR unknown command '" + std::string(command) + "'";
  }

 private:
  std::unordered_map<std::string, std::string> map_;
};

constexpr const char* kUsage =
    "usage: kv_server [--listen HOST:PORT] [--event-backend epoll|poll]\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "kv_server: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:7001";
  Backend backend = Backend::kEpoll;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) usage_error("unknown flag or missing value: " + flag);
    const std::string value = argv[++i];
    if (flag == "--listen") {
      listen = value;
    } else if (flag == "--event-backend") {
      auto parsed = EventLoop::parse_backend(value);
      if (!parsed) usage_error("--event-backend: expected epoll or poll, got '" + value + "'");
      backend = *parsed;
    } else {
      usage_error("unknown flag: " + flag);
    }
  }
  auto addr = InetAddress::parse(listen);
  if (!addr) usage_error("--listen: not a numeric HOST:PORT: '" + listen + "'");

  block_signals({SIGINT, SIGTERM});
  std::signal(SIGPIPE, SIG_IGN);

  EventLoop loop(backend);
  KvStore store;
  // Everything runs on this one loop (no worker loops), so the store needs no lock.
  TcpServer server(&loop, {}, *addr);
  server.set_handler_factory(framed_handler_factory(
      [] { return std::make_unique<LengthPrefixCodec>(framing()); },
      std::make_shared<LengthPrefixCodec>(framing()),
      [&store](FramedHandler& self, TcpConnection& conn, std::string_view request) {
        self.send_frame(conn, store.execute(request));
      }));
  try {
    server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kv_server: %s\n", e.what());
    return 1;
  }
  std::printf("listening on %s\n", server.listen_address().to_string().c_str());
  std::fflush(stdout);

  loop.on_signals({SIGINT, SIGTERM}, [&loop](int) { loop.quit(); });
  loop.run();
  return 0;
}
