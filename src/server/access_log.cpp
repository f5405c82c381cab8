// Combined log format (as nginx/Apache) with the request time in seconds appended.
#include "server/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>

namespace portico::server {
namespace {

// Quoted fields escape '"', '\' and control bytes so a client cannot forge lines.
void append_escaped(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += '-';
    return;
  }
  static const char* hex = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
}

}  // namespace

AccessLog::AccessLog(const std::string& path) {
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    return;
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "access log '" + path + "'");
  owns_fd_ = true;
}

AccessLog::~AccessLog() {
  if (owns_fd_) ::close(fd_);
}

std::string AccessLog::format(const http::AccessLogEntry& e) {
  std::string line;
  line.reserve(256);
  line += e.peer ? e.peer->host_string() : "-";
  line += " - - [";
  time_t secs = static_cast<time_t>(e.start_unix_ms / 1000);
  struct tm tm {};
  ::gmtime_r(&secs, &tm);
  char when[40];
  std::strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  line += when;
  line += "] \"";
  if (e.request) {
    append_escaped(line, e.request->method_token());
    line += ' ';
    append_escaped(line, e.request->target());
    line += ' ';
    line += http::to_string(e.request->version());
  } else {
    line += '-';
  }
  line += "\" ";
  line += std::to_string(http::code(e.status));
  line += ' ';
  line += std::to_string(e.body_bytes);
  line += " \"";
  append_escaped(line, e.request ? e.request->header("Referer") : std::string_view());
  line += "\" \"";
  append_escaped(line, e.request ? e.request->header("User-Agent") : std::string_view());
  line += "\" ";
  char took[32];
  std::snprintf(took, sizeof took, "%.3f", static_cast<double>(e.duration_us) / 1e6);
  line += took;
  line += '\n';
  return line;
}

void AccessLog::write(const http::AccessLogEntry& entry) const {
  std::string line = format(entry);
  // One write per line: O_APPEND keeps lines from different threads whole.
  (void)!::write(fd_, line.data(), line.size());
}

}  // namespace portico::server
