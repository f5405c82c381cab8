// session_counter: counts each visitor's requests in a signed session cookie, on portico's HTTP
// library (SessionManager over a MemorySessionStore).
//
//   PORTICO_SESSION_KEY=$(openssl rand -base64 48) build/examples/session_counter [HOST:PORT]
//   curl -c jar -b jar http://127.0.0.1:8080/          # 1, 2, 3 ... per cookie jar
//   curl -c jar -b jar http://127.0.0.1:8080/logout    # forgets the visitor
//
// Without PORTICO_SESSION_KEY a random key is made at start, so sessions end with the process.
// To rotate keys, give the old and new ones as PORTICO_SESSION_KEY=new and
// PORTICO_SESSION_OLD_KEY=old: old cookies still work and are re-signed with the new key.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>

#include "portico/http/server.h"
#include "portico/http/session.h"

using portico::http::Request;
using portico::http::Response;

int main(int argc, char** argv) {
  std::string listen = argc > 1 ? argv[1] : "127.0.0.1:8080";
  try {
    portico::http::SessionOptions session_options;
    if (const char* old_key = std::getenv("PORTICO_SESSION_OLD_KEY")) {
      session_options.keys.emplace_back(old_key);
    }
    const char* key = std::getenv("PORTICO_SESSION_KEY");
    session_options.keys.push_back(key ? key : portico::http::SessionManager::generate_key());
    session_options.cookie_name = "counter_session";
    session_options.timeouts = {.idle_ms = 30 * 60 * 1000, .absolute_ms = 12 * 60 * 60 * 1000};
    // The store is shared by every worker thread; the manager only reads its options.
    auto store = std::make_shared<portico::http::MemorySessionStore>();
    auto sessions = std::make_shared<portico::http::SessionManager>(session_options, store);

    portico::http::ServerOptions options;
    options.listen = {listen};
    portico::http::Server server(options);

    server.router().get("/", [sessions](const Request& req, Response& res) {
      portico::http::Session session = sessions->load(req);
      long count = 0;
      if (auto v = session.get("count")) std::from_chars(v->data(), v->data() + v->size(), count);
      session.set("count", std::to_string(++count));
      sessions->save(req, session, res);  // stores it; Set-Cookie the first time
      res.set_header("Cache-Control", "no-store");
      res.set_body("visits: " + std::to_string(count) + "\n", "text/plain; charset=utf-8");
    });
    server.router().get("/logout", [sessions](const Request& req, Response& res) {
      portico::http::Session session = sessions->load(req);
      session.destroy();
      sessions->save(req, session, res);  // erased, and the cookie deleted in the browser
      res.set_header("Cache-Control", "no-store");
      res.set_body("bye\n", "text/plain; charset=utf-8");
    });

    server.start();
    // Sweep expired sessions once a minute (put() also drops a few as it goes).
    server.base_loop()->run_every(std::chrono::minutes(1), [store] {
      using namespace std::chrono;
      store->expire(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
    });
    for (const auto& addr : server.listen_addresses()) {
      std::fprintf(stderr, "listening on http://%s/\n", addr.to_string().c_str());
    }
    server.run();  // until Ctrl-C or SIGTERM
  } catch (const std::exception& e) {
    std::fprintf(stderr, "session_counter: %s\n", e.what());
    return 1;
  }
}
