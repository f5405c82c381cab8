// hello_http: a JSON endpoint next to a static directory, on portico's HTTP library.
//
//   build/examples/hello_http [DIR] [HOST:PORT]     (defaults: examples/site, 127.0.0.1:8080)
//   curl http://127.0.0.1:8080/api/hello?name=you
#include <cctype>
#include <cstdio>
#include <exception>
#include <string>

#include "portico/http/server.h"
#include "portico/http/static_files.h"

using portico::http::Request;
using portico::http::Response;

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : "examples/site";
  std::string listen = argc > 2 ? argv[2] : "127.0.0.1:8080";
  try {
    portico::http::ServerOptions options;
    options.listen = {listen};
    portico::http::Server server(options);

    // A handler runs on the connection's event loop: answer without blocking.
    server.router().get("/api/hello", [](const Request& req, Response& res) {
      std::string name = "world";
      if (req.query().substr(0, 5) == "name=") {
        name.clear();  // keep letters and digits only: nothing to escape in the JSON below
        for (char c : req.query().substr(5)) {
          if (std::isalnum(static_cast<unsigned char>(c))) name += c;
        }
      }
      res.set_body("{\"hello\":\"" + name + "\"}\n", "application/json");
    });
    // Everything else: files from `root`, with ranges, validators and listings.
    server.router().mount("/", portico::http::StaticFiles({.root = root, .browse = true}));

    server.start();  // binds now: errors (address in use, bad root) surface here
    for (const auto& addr : server.listen_addresses()) {
      std::printf("listening on http://%s/\n", addr.to_string().c_str());
    }
    std::fflush(stdout);
    server.run();  // until Ctrl-C or SIGTERM
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hello_http: %s\n", e.what());
    return 1;
  }
}
