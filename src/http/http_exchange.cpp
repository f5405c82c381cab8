// HttpExchange: forwards an asynchronous handler's calls to the connection that owns the
// request, for as long as it does.
#include "http/http_exchange.h"

#include "http/http_connection.h"

namespace portico::http {

HttpExchange::HttpExchange(HttpConnection& owner, net::TcpConnection& conn,
                           std::string_view head_bytes, const RequestLimits& limits,
                           const ConnectionInfo& info)
    : owner_(&owner),
      conn_(&conn),
      loop_(conn.loop()),
      head_bytes_(head_bytes),
      info_(info),
      request_(head_, std::string_view(), info_) {
  HeadScanState scan;
  // The same bytes parsed before with the same limits: this cannot fail.
  (void)parse_request_head(head_bytes_, limits, scan, head_);
}

void HttpExchange::set_callbacks(Callbacks callbacks) {
  if (!owner_) return;
  callbacks_ = std::move(callbacks);
  has_callbacks_ = true;
  owner_->ex_set_callbacks(*conn_);
}

void HttpExchange::resume_client_input() {
  if (owner_) owner_->ex_resume_input(*conn_);
}

void HttpExchange::respond(Response response) {
  if (owner_) owner_->ex_respond(*conn_, std::move(response));
}

void HttpExchange::send_head(const Response& head, std::optional<uint64_t> content_length) {
  if (owner_) owner_->ex_send_head(*conn_, head, content_length);
}

bool HttpExchange::send_body(std::string_view data) {
  return owner_ ? owner_->ex_send_body(*conn_, data) : true;
}

void HttpExchange::end_body() {
  if (owner_) owner_->ex_end_body(*conn_);
}

void HttpExchange::abort() {
  if (owner_) owner_->ex_abort(*conn_);
}

void HttpExchange::upgrade(const Response& response) {
  if (owner_) owner_->ex_upgrade(*conn_, response);
}

void HttpExchange::close_tunnel() {
  if (owner_) owner_->ex_close_tunnel(*conn_);
}

}  // namespace portico::http
