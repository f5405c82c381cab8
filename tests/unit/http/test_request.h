// Test helper: a Request whose views point into storage it owns, with header fields and a peer.
#pragma once

#include <deque>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/http/request.h"

namespace portico::http::testing {

class TestRequest {
 public:
  explicit TestRequest(std::initializer_list<std::pair<std::string, std::string>> fields = {},
                       bool secure = false, std::string_view peer = "192.0.2.1:5555") {
    head_.method = Method::kGet;
    head_.method_token = "GET";
    head_.target = "/";
    head_.path = "/";
    for (const auto& [name, value] : fields) add(name, value);
    info_.secure = secure;
    info_.peer = *net::InetAddress::parse(peer);
  }
  TestRequest(const TestRequest&) = delete;
  TestRequest& operator=(const TestRequest&) = delete;

  void add(std::string name, std::string value) {
    storage_.push_back(std::move(name));
    std::string_view n = storage_.back();
    storage_.push_back(std::move(value));
    head_.headers.push_back({n, storage_.back()});
  }
  Request request() const { return Request(head_, {}, info_); }

 private:
  std::deque<std::string> storage_;  // deque: views stay valid as fields are added
  RequestHead head_;
  ConnectionInfo info_;
};

}  // namespace portico::http::testing
