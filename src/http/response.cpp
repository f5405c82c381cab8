// Response body building and the canned error/redirect responses.
#include "portico/http/response.h"

#include "portico/http/error_page.h"
#include "portico/http/html_escape.h"

namespace portico::http {

void Response::set_body(std::string body, std::string_view content_type) {
  body_.clear();
  stream_.reset();
  body_.push_back(BodyPart{std::move(body), nullptr, 0, 0});
  headers_.set("Content-Type", content_type);
}

void Response::append_body(std::string data) {
  body_.push_back(BodyPart{std::move(data), nullptr, 0, 0});
}

void Response::append_file(std::shared_ptr<const net::FileRef> file, int64_t offset,
                           uint64_t length) {
  body_.push_back(BodyPart{{}, std::move(file), offset, length});
}

uint64_t Response::body_size() const {
  uint64_t n = 0;
  for (const auto& p : body_) n += p.size();
  return n;
}

Response Response::error(Status s) {
  Response r(s);
  if (!status_forbids_body(s)) r.set_body(error_page_html(s), "text/html; charset=utf-8");
  return r;
}

Response Response::redirect(Status s, std::string_view location) {
  Response r(s);
  r.set_header("Location", location);
  std::string body = "<!doctype html>\n<title>";
  body += std::to_string(code(s));
  body += ' ';
  body += reason_phrase(s);
  body += "</title>\n<p>Moved to <a href=\"";
  body += html_escape(location);
  body += "\">";
  body += html_escape(location);
  body += "</a>.</p>\n";
  r.set_body(std::move(body), "text/html; charset=utf-8");
  return r;
}

}  // namespace portico::http
