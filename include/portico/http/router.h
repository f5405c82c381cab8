// Maps (method, path) to handlers: exact paths and path prefixes, longest match
// wins; a path that matches with another method answers 405 with Allow.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

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

  // Finds the handler and runs it; 404 when nothing matches, 405 with Allow when
  // the path is routed for other methods only. HEAD falls back to GET routes.
  void dispatch(const Request& request, Response& response) const;

  bool empty() const { return routes_.empty(); }

 private:
  struct Route {
    std::string path;
    bool prefix = false;
    bool any_method = false;
    Method method = Method::kGet;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace portico::http
