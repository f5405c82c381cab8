// Maps (method, path) to handlers: exact paths and path prefixes, longest match
// wins; a path that matches with another method answers 405 with Allow.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/exchange.h"
#include "portico/http/method.h"
#include "portico/http/request.h"
#include "portico/http/response.h"

namespace portico::http {

// A handler fills the response for a request. It runs on the connection's loop
// thread and must not block.
using Handler = std::function<void(const Request&, Response&)>;

class Router {
 public:
  // Exact path: "/api/hello" matches only that path.
  Router& add(Method method, std::string path, Handler handler);
  Router& get(std::string path, Handler h) {
    return add(Method::kGet, std::move(path), std::move(h));
  }
  Router& post(std::string path, Handler h) {
    return add(Method::kPost, std::move(path), std::move(h));
  }
  Router& put(std::string path, Handler h) {
    return add(Method::kPut, std::move(path), std::move(h));
  }
  Router& del(std::string path, Handler h) {
    return add(Method::kDelete, std::move(path), std::move(h));
  }
  // Prefix: "/static/" matches every path under it, for any method the handler
  // chooses to answer (the handler sees the whole path).
  Router& mount(std::string prefix, Handler handler);
  // Asynchronous routes (exchange.h): the handler takes the request when its head is complete
  // and streams the body itself (a proxy). Matched like add() and mount().
  Router& add_async(Method method, std::string path, AsyncHandler handler);
  Router& mount_async(std::string prefix, AsyncHandler handler);

  // Finds the handler and runs it; 404 when nothing matches, 405 with Allow when
  // the path is routed for other methods only. HEAD falls back to GET routes.
  void dispatch(const Request& request, Response& response) const;
  // The asynchronous handler the request routes to, or nullptr (then dispatch() answers it).
  // Called with the head only, before the body is read.
  const AsyncHandler* find_async(const Request& request) const;

  bool empty() const { return routes_.empty(); }
  bool has_async() const { return has_async_; }

 private:
  struct Route {
    std::string path;
    bool prefix = false;
    bool any_method = false;
    Method method = Method::kGet;
    Handler handler;
    AsyncHandler async;  // set instead of handler for asynchronous routes
  };
  // The route dispatch() runs: exact path with the method (HEAD as GET), else the longest
  // prefix. With an exact path for other methods only, *allow lists them.
  const Route* select(const Request& request, std::string* allow, bool* exact_path_seen) const;
  std::vector<Route> routes_;
  bool has_async_ = false;
};

}  // namespace portico::http
