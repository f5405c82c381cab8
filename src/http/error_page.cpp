// The small HTML page sent with 4xx/5xx responses.
#include "portico/http/error_page.h"

#include <string>

#include "portico/http/html_escape.h"

namespace portico::http {

std::string error_page_html(Status status, std::string_view server_name) {
  // "404 Not Found": the code and the RFC reason phrase, which contain nothing to escape, but
  // escaping keeps the page safe should a phrase ever come from elsewhere.
  std::string title = std::to_string(code(status));
  title += ' ';
  append_html_escaped(title, reason_phrase(status));

  std::string page;
  page.reserve(400 + server_name.size());
  page +=
      "<!DOCTYPE html>\n"
      "<html lang=\"en\">\n"
      "<head>\n"
      "<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>";
  page += title;
  page +=
      "</title>\n"
      "<style>body{font-family:system-ui,sans-serif;margin:3em auto;max-width:40em;"
      "padding:0 1em;color:#222}h1{font-weight:600}hr{border:0;border-top:1px solid #ccc}"
      "footer{color:#777;font-size:.9em}</style>\n"
      "</head>\n"
      "<body>\n"
      "<h1>";
  page += title;
  page += "</h1>\n";
  if (!server_name.empty()) {
    page += "<hr>\n<footer>";
    append_html_escaped(page, server_name);
    page += "</footer>\n";
  }
  page += "</body>\n</html>\n";
  return page;
}

}  // namespace portico::http
