// Method token <-> enum.
#include "portico/http/method.h"

namespace portico::http {

Method parse_method(std::string_view t) {
  switch (t.size()) {
    case 3:
      if (t == "GET") return Method::kGet;
      if (t == "PUT") return Method::kPut;
      break;
    case 4:
      if (t == "HEAD") return Method::kHead;
      if (t == "POST") return Method::kPost;
      break;
    case 5:
      if (t == "TRACE") return Method::kTrace;
      break;
    case 6:
      if (t == "DELETE") return Method::kDelete;
      break;
    case 7:
      if (t == "OPTIONS") return Method::kOptions;
      if (t == "CONNECT") return Method::kConnect;
      break;
    default: break;
  }
  return Method::kOther;
}

std::string_view to_string(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kDelete: return "DELETE";
    case Method::kOptions: return "OPTIONS";
    case Method::kTrace: return "TRACE";
    case Method::kConnect: return "CONNECT";
    case Method::kOther: return "OTHER";
  }
  return "OTHER";
}

}  // namespace portico::http
