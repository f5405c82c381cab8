// Access log formatting: one line per response, in combined, common, JSON or template form.
#include "server/access_log_format.h"

#include <ctime>
#include <stdexcept>

#include "http/utf8.h"
#include "portico/base/did_you_mean.h"

namespace portico::server {
namespace {

enum Var : int {
  kRemoteAddr,
  kRemotePort,
  kServerAddr,
  kServerPort,
  kTimeLocal,
  kTimeIso8601,
  kMsec,
  kRequest,
  kRequestMethod,
  kRequestUri,
  kUri,
  kArgs,
  kServerProtocol,
  kStatus,
  kBodyBytesSent,
  kRequestTime,
  kRequestTimeUs,
  kHost,
  kScheme,
  kConnection,
  kConnectionRequests,
  kHttpReferer,
  kHttpUserAgent,
  kNote,
  kRequestId,
};

const char kHex[] = "0123456789abcdef";

// Quoted or bare fields escape '"', '\' and control or non-ASCII bytes so that a client
// cannot forge a line or a field.
void append_escaped(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += '-';
    return;
  }
  for (unsigned char c : s) {
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
}

// JSON string contents (RFC 8259 7): well-formed UTF-8 kept, anything else \u-escaped.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = http::utf8_sequence_length(s, i);
      if (n > 0) {
        out.append(s.substr(i, n));
        i += n;
        continue;
      }
      out += "\\ufffd";  // an ill-formed byte
      ++i;
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

void append_time_local(std::string& out, int64_t unix_ms) {
  time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm {};
  ::gmtime_r(&secs, &tm);
  char when[40];
  size_t n = std::strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  out.append(when, n);
}

void append_time_iso8601(std::string& out, int64_t unix_ms) {
  time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm {};
  ::gmtime_r(&secs, &tm);
  char when[40];
  size_t n = std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(when, n);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(unix_ms % 1000));
  out += ms;
}

void append_seconds(std::string& out, int64_t us) {
  char took[32];
  std::snprintf(took, sizeof took, "%.3f", static_cast<double>(us) / 1e6);
  out += took;
}

std::string_view header_of(const http::AccessLogEntry& e, std::string_view name) {
  return e.request ? e.request->header(name) : std::string_view();
}

void append_request_line(std::string& out, const http::AccessLogEntry& e) {
  if (!e.request) {
    out += '-';
    return;
  }
  append_escaped(out, e.request->method_token());
  out += ' ';
  append_escaped(out, e.request->target());
  out += ' ';
  out += http::to_string(e.request->version());
}

void append_common_prefix(std::string& out, const http::AccessLogEntry& e) {
  out += e.peer ? e.peer->host_string() : "-";
  out += " - - [";
  append_time_local(out, e.start_unix_ms);
  out += "] \"";
  append_request_line(out, e);
  out += "\" ";
  out += std::to_string(http::code(e.status));
  out += ' ';
  out += std::to_string(e.body_bytes);
}

}  // namespace

void append_common_line(std::string& out, const http::AccessLogEntry& e) {
  append_common_prefix(out, e);
  out += '\n';
}

void append_combined_line(std::string& out, const http::AccessLogEntry& e) {
  append_common_prefix(out, e);
  out += " \"";
  append_escaped(out, header_of(e, "Referer"));
  out += "\" \"";
  append_escaped(out, header_of(e, "User-Agent"));
  out += "\" ";
  append_seconds(out, e.duration_us);
  out += '\n';
}

void append_json_line(std::string& out, const http::AccessLogEntry& e) {
  const http::Request* r = e.request;
  out += "{\"time\":\"";
  append_time_iso8601(out, e.start_unix_ms);
  out += "\",\"remote_addr\":";
  append_json_string(out, e.peer ? e.peer->host_string() : std::string());
  out += ",\"remote_port\":";
  out += std::to_string(e.peer ? e.peer->port() : 0);
  out += ",\"method\":";
  append_json_string(out, r ? r->method_token() : std::string_view());
  out += ",\"uri\":";
  append_json_string(out, r ? r->target() : std::string_view());
  out += ",\"protocol\":";
  append_json_string(out, r ? http::to_string(r->version()) : std::string_view());
  out += ",\"host\":";
  append_json_string(out, r ? r->host() : std::string_view());
  out += ",\"status\":";
  out += std::to_string(http::code(e.status));
  out += ",\"body_bytes\":";
  out += std::to_string(e.body_bytes);
  out += ",\"request_time\":";
  append_seconds(out, e.duration_us);
  out += ",\"referer\":";
  append_json_string(out, header_of(e, "Referer"));
  out += ",\"user_agent\":";
  append_json_string(out, header_of(e, "User-Agent"));
  out += ",\"scheme\":";
  append_json_string(out, r ? r->scheme() : std::string_view("http"));
  if (r && !r->request_id().empty()) {
    out += ",\"request_id\":";
    append_json_string(out, r->request_id());
  }
  if (!e.note.empty()) {
    out += ",\"note\":";
    append_json_string(out, e.note);
  }
  out += "}\n";
}

const std::vector<std::string_view>& AccessLogTemplate::variable_names() {
  // Order matches enum Var.
  static const std::vector<std::string_view> names = {"remote_addr",
                                                      "remote_port",
                                                      "server_addr",
                                                      "server_port",
                                                      "time_local",
                                                      "time_iso8601",
                                                      "msec",
                                                      "request",
                                                      "request_method",
                                                      "request_uri",
                                                      "uri",
                                                      "args",
                                                      "server_protocol",
                                                      "status",
                                                      "body_bytes_sent",
                                                      "request_time",
                                                      "request_time_us",
                                                      "host",
                                                      "scheme",
                                                      "connection",
                                                      "connection_requests",
                                                      "http_referer",
                                                      "http_user_agent",
                                                      "note",
                                                      "request_id"};
  return names;
}

std::optional<AccessLogTemplate> AccessLogTemplate::parse(std::string_view text,
                                                          std::string* error) {
  AccessLogTemplate t;
  std::string literal;
  auto is_name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      literal += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      literal += '$';
      ++i;
      continue;
    }
    std::string_view name;
    if (i + 1 < text.size() && text[i + 1] == '{') {
      size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        *error = "unclosed '${' at offset " + std::to_string(i);
        return std::nullopt;
      }
      name = text.substr(i + 2, close - i - 2);
      i = close;
    } else {
      size_t end = i + 1;
      while (end < text.size() && is_name_char(text[end])) ++end;
      name = text.substr(i + 1, end - i - 1);
      i = end - 1;
    }
    if (name.empty()) {
      *error = "'$' without a variable name (write '$$' for a literal '$')";
      return std::nullopt;
    }
    if (!literal.empty()) t.parts_.push_back(Part{-1, std::move(literal)});
    literal.clear();
    const auto& names = variable_names();
    int found = -1;
    for (size_t k = 0; k < names.size(); ++k) {
      if (names[k] == name) found = static_cast<int>(k);
    }
    if (found >= 0) {
      t.parts_.push_back(Part{found, {}});
    } else if (name.starts_with("http_") && name.size() > 5) {
      std::string field(name.substr(5));
      for (char& c : field) c = c == '_' ? '-' : c;
      t.parts_.push_back(Part{-2, field});
    } else {
      *error = "unknown variable '$" + std::string(name) + "'";
      std::string_view hint = closest_match(name, names);
      if (!hint.empty()) *error += " (did you mean '$" + std::string(hint) + "'?)";
      return std::nullopt;
    }
  }
  if (!literal.empty()) t.parts_.push_back(Part{-1, std::move(literal)});
  return t;
}

void AccessLogTemplate::append(std::string& out, const http::AccessLogEntry& e) const {
  const http::Request* r = e.request;
  for (const Part& p : parts_) {
    if (p.variable == -1) {
      out += p.text;
      continue;
    }
    if (p.variable == -2) {
      append_escaped(out, header_of(e, p.text));
      continue;
    }
    switch (static_cast<Var>(p.variable)) {
      case kRemoteAddr: append_escaped(out, e.peer ? e.peer->host_string() : ""); break;
      case kRemotePort: out += std::to_string(e.peer ? e.peer->port() : 0); break;
      case kServerAddr: append_escaped(out, r ? r->local().host_string() : ""); break;
      case kServerPort: out += std::to_string(r ? r->local().port() : 0); break;
      case kTimeLocal: append_time_local(out, e.start_unix_ms); break;
      case kTimeIso8601: append_time_iso8601(out, e.start_unix_ms); break;
      case kMsec: {
        char ms[32];
        std::snprintf(ms, sizeof ms, "%lld.%03d", static_cast<long long>(e.start_unix_ms / 1000),
                      static_cast<int>(e.start_unix_ms % 1000));
        out += ms;
        break;
      }
      case kRequest: append_request_line(out, e); break;
      case kRequestMethod: append_escaped(out, r ? r->method_token() : ""); break;
      case kRequestUri: append_escaped(out, r ? r->target() : ""); break;
      case kUri: append_escaped(out, r ? r->path() : ""); break;
      case kArgs: append_escaped(out, r ? r->query() : ""); break;
      case kServerProtocol: out += r ? http::to_string(r->version()) : "-"; break;
      case kStatus: out += std::to_string(http::code(e.status)); break;
      case kBodyBytesSent: out += std::to_string(e.body_bytes); break;
      case kRequestTime: append_seconds(out, e.duration_us); break;
      case kRequestTimeUs: out += std::to_string(e.duration_us); break;
      case kHost: append_escaped(out, r ? r->host() : ""); break;
      case kScheme: out += r ? r->scheme() : "-"; break;
      case kConnection: out += std::to_string(r ? r->connection().connection_id : 0); break;
      case kConnectionRequests:
        out += std::to_string(r ? r->connection().request_index + 1 : 0);
        break;
      case kHttpReferer: append_escaped(out, header_of(e, "Referer")); break;
      case kHttpUserAgent: append_escaped(out, header_of(e, "User-Agent")); break;
      case kNote: append_escaped(out, e.note.empty() ? std::string_view("-") : e.note); break;
      case kRequestId: append_escaped(out, r ? r->request_id() : ""); break;
    }
  }
  out += '\n';
}

AccessLogFormatter::AccessLogFormatter(AccessLogFormat format, const std::string& format_string)
    : format_(format) {
  if (format == AccessLogFormat::kCustom) {
    std::string why;
    template_ = AccessLogTemplate::parse(format_string, &why);
    if (!template_) throw std::invalid_argument("access log format: " + why);
  }
}

void AccessLogFormatter::append(std::string& out, const http::AccessLogEntry& e) const {
  switch (format_) {
    case AccessLogFormat::kCombined: append_combined_line(out, e); break;
    case AccessLogFormat::kCommon: append_common_line(out, e); break;
    case AccessLogFormat::kJson: append_json_line(out, e); break;
    case AccessLogFormat::kCustom: template_->append(out, e); break;
  }
}

}  // namespace portico::server
