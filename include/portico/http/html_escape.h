// HTML escaping for text placed in generated pages (listings, error pages).
#pragma once

#include <string>
#include <string_view>

namespace portico::http {

// Appends `text` with & < > " ' replaced by character references, safe both in element
// content and in quoted attribute values.
void append_html_escaped(std::string& out, std::string_view text);
std::string html_escape(std::string_view text);

}  // namespace portico::http
