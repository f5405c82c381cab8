// Exact and prefix routes; 404 and 405 (with Allow) when nothing answers.
#include "portico/http/router.h"

#include <string>

#include "portico/base/log.h"

namespace portico::http {

Router& Router::add(Method method, std::string path, Handler handler) {
  routes_.push_back(Route{std::move(path), false, false, method, std::move(handler), {}});
  return *this;
}

Router& Router::mount(std::string prefix, Handler handler) {
  routes_.push_back(Route{std::move(prefix), true, true, Method::kGet, std::move(handler), {}});
  return *this;
}

Router& Router::add_async(Method method, std::string path, AsyncHandler handler) {
  has_async_ = true;
  routes_.push_back(Route{std::move(path), false, false, method, {}, std::move(handler)});
  return *this;
}

Router& Router::mount_async(std::string prefix, AsyncHandler handler) {
  has_async_ = true;
  routes_.push_back(Route{std::move(prefix), true, true, Method::kGet, {}, std::move(handler)});
  return *this;
}

const Router::Route* Router::select(const Request& request, std::string* allow,
                                    bool* exact_path_seen) const {
  std::string_view path = request.path();
  const Route* exact_same_method = nullptr;
  const Route* exact_head_as_get = nullptr;
  *exact_path_seen = false;
  for (const auto& r : routes_) {
    if (r.prefix || r.path != path) continue;
    *exact_path_seen = true;
    if (r.method == request.method()) exact_same_method = &r;
    if (request.method() == Method::kHead && r.method == Method::kGet) exact_head_as_get = &r;
    if (!allow) continue;
    std::string_view name = to_string(r.method);
    if (allow->find(name) == std::string::npos) {
      if (!allow->empty()) *allow += ", ";
      *allow += name;
      if (r.method == Method::kGet) *allow += ", HEAD";
    }
  }
  if (const Route* r = exact_same_method ? exact_same_method : exact_head_as_get) return r;
  if (*exact_path_seen) return nullptr;
  // Longest matching prefix.
  const Route* best = nullptr;
  for (const auto& r : routes_) {
    if (!r.prefix || path.substr(0, r.path.size()) != r.path) continue;
    if (!best || r.path.size() > best->path.size()) best = &r;
  }
  return best;
}

const AsyncHandler* Router::find_async(const Request& request) const {
  bool exact_path_seen = false;
  const Route* r = select(request, nullptr, &exact_path_seen);
  return r && r->async ? &r->async : nullptr;
}

void Router::dispatch(const Request& request, Response& response) const {
  std::string allow;
  bool exact_path_seen = false;
  if (const Route* r = select(request, &allow, &exact_path_seen)) {
    if (r->handler) {
      r->handler(request, response);
    } else {
      // Only reachable when a program calls dispatch() itself for an asynchronous route.
      LOG_ERROR("route %s is asynchronous: dispatch() cannot answer it", r->path.c_str());
      response = Response::error(Status::kInternalServerError);
    }
    return;
  }
  if (exact_path_seen) {
    if (request.method() == Method::kOptions) {
      response = Response(Status::kNoContent);
    } else {
      response = Response::error(Status::kMethodNotAllowed);
    }
    response.set_header("Allow", allow + ", OPTIONS");
    return;
  }
  response = Response::error(Status::kNotFound);
}

}  // namespace portico::http
