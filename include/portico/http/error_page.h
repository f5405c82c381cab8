// Small HTML bodies for error responses.
#pragma once

#include <string>
#include <string_view>

#include "portico/http/status.h"

namespace portico::http {

// "<!DOCTYPE html>... <title>404 Not Found</title> ... <h1>404 Not Found</h1> ..." with an
// optional footer naming the server (escaped; "" leaves the footer out). Served as
// "text/html; charset=utf-8".
std::string error_page_html(Status status, std::string_view server_name = {});

}  // namespace portico::http
