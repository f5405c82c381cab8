// `portico passwd`: edits a user file line by line and writes it back atomically with mode 0600.
#include "server/passwd_command.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "portico/http/basic_auth.h"
#include "server/cli.h"

namespace portico::server {
namespace {

constexpr size_t kMaxPasswordBytes = 1024;

int fail(int status, const std::string& message) {
  std::fprintf(stderr, "portico: %s\n", message.c_str());
  return status;
}

// Overwrites a string's bytes before it is freed (best effort outside libcrypto: volatile).
void scrub(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

// One line from fd 0, without its "\n" / "\r\n". nullopt at end of input with nothing read.
std::optional<std::string> read_line() {
  std::string line;
  char c;
  bool any = false;
  while (true) {
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);  // byte by byte: nothing past the line is eaten
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    any = true;
    if (c == '\n') break;
    if (line.size() <= kMaxPasswordBytes) line += c;
  }
  if (!any) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Prompts on stderr with echo off when stdin is a terminal.
std::optional<std::string> prompt(const char* text) {
  termios old{};
  const bool tty = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    std::fprintf(stderr, "%s", text);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  auto line = read_line();
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::fprintf(stderr, "\n");
  }
  return line;
}

std::optional<std::string> read_password(std::string* why) {
  auto first = prompt("Password: ");
  if (!first) {
    *why = "no password on standard input";
    return std::nullopt;
  }
  if (::isatty(STDIN_FILENO)) {
    auto again = prompt("Again: ");
    if (!again || *again != *first) {
      scrub(*first);
      if (again) scrub(*again);
      *why = "the passwords do not match";
      return std::nullopt;
    }
    scrub(*again);
  }
  std::string& p = *first;
  if (p.empty()) {
    *why = "empty password refused";
  } else if (p.size() > kMaxPasswordBytes) {
    *why = "password longer than 1024 bytes";
  } else if (std::any_of(p.begin(), p.end(), [](char c) {
               const auto u = static_cast<unsigned char>(c);
               return u < 0x20 || u == 0x7f;
             })) {
    // RFC 7617 2: clients cannot send control characters in a password.
    *why = "password contains a control character";
  } else {
    return first;
  }
  scrub(p);
  return std::nullopt;
}

// Temporary file in the same directory, fsync, rename over the target, fsync the directory: the
// server never sees half a file, and a crash leaves the old or the new one.
bool write_atomically(const std::string& path, const std::string& text, std::string* why) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);  // created 0600
  if (fd < 0) {
    *why = "cannot create a temporary file in '" + dir.string() + "': " + std::strerror(errno);
    return false;
  }
  const auto give_up = [&](const std::string& what) {
    *why = what + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  };
  if (::fchmod(fd, 0600) != 0) return give_up("cannot set the mode of '" + tmp + "'");
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return give_up("cannot write '" + tmp + "'");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return give_up("cannot write '" + tmp + "'");
  if (::close(fd) != 0) {
    *why = "cannot write '" + tmp + "': " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *why = "cannot replace '" + path + "': " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

int read_user_file(const PasswdOptions& o, const std::string& path, std::string& text) {
  std::string why;
  std::error_code ec;
  text.clear();
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(kExitFailure, o.file + ": cannot read: " + std::strerror(errno));
    std::ostringstream buf;
    buf << in.rdbuf();
    text = buf.str();
    // Never rewrite a file the server would refuse.
    if (!http::UserFile::parse(text, o.file, &why)) return fail(kExitUsage, why);
  } else if (o.remove) {
    return fail(kExitFailure, o.file + ": no such file");
  }
  return kExitOk;
}

// `hash` is the new password hash, unused with --delete.
int edit_and_write(const PasswdOptions& o, const std::string& path, const std::string& text,
                   const std::string& hash) {
  std::string why;
  // Line-wise edit keeps comments, blank lines and the order of the others.
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  }
  const std::string prefix = o.user + ":";
  auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) {
    return l.compare(0, prefix.size(), prefix) == 0;
  });

  const char* done = nullptr;
  if (o.remove) {
    if (it == lines.end()) return fail(kExitFailure, "user '" + o.user + "' is not in " + o.file);
    lines.erase(it);
    done = "removed user '%s' from %s\n";
  } else {
    if (it == lines.end()) {
      lines.push_back(prefix + hash);
      done = "added user '%s' to %s\n";
    } else {
      *it = prefix + hash;
      done = "updated user '%s' in %s\n";
    }
  }

  std::string out;
  for (const auto& l : lines) out.append(l).append("\n");
  if (!http::UserFile::parse(out, o.file, &why)) return fail(kExitFailure, "internal: " + why);
  if (!write_atomically(path, out, &why)) return fail(kExitFailure, why);
  std::printf(done, o.user.c_str(), o.file.c_str());
  return kExitOk;
}

}  // namespace

int run_passwd(const PasswdOptions& o) {
  std::string why;
  if (!http::UserFile::is_valid_user_name(o.user, &why)) {
    return fail(kExitUsage, "user '" + o.user + "': " + why);
  }
  // Edit the real file behind a symlink, so the link stays a link.
  std::string path = o.file;
  std::error_code ec;
  if (std::filesystem::is_symlink(path, ec)) {
    path = std::filesystem::canonical(path, ec).string();
    if (ec) return fail(kExitFailure, o.file + ": " + ec.message());
  }

  // Checked once before asking for the password (fail early), and again under the lock.
  std::string text;
  int status = read_user_file(o, path, text);
  if (status != kExitOk) return status;
  std::string hash;  // made before taking the lock: PBKDF2 takes a while
  if (!o.remove) {
    auto password = read_password(&why);
    if (!password) return fail(kExitUsage, why);
    hash = http::UserFile::hash_password(*password);
    scrub(*password);
    if (hash.empty()) return fail(kExitFailure, "cannot hash the password (random source failed)");
  }
  // Concurrent runs on files of this directory take turns, so none loses another's change:
  // rename() swaps the inode, so the lock is on the directory, not on the file.
  const auto dir = std::filesystem::path(path).has_parent_path()
                       ? std::filesystem::path(path).parent_path()
                       : std::filesystem::path(".");
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return fail(kExitFailure, dir.string() + ": " + std::strerror(errno));
  while (::flock(dir_fd, LOCK_EX) != 0 && errno == EINTR) {
  }
  status = read_user_file(o, path, text);
  if (status == kExitOk) status = edit_and_write(o, path, text, hash);
  ::close(dir_fd);  // releases the lock
  return status;
}

void add_passwd(CLI::App& app, PasswdOptions& o) {
  auto* cmd = app.add_subcommand(
      "passwd", "Add or replace a Basic-auth user in FILE (password on standard input)");
  cmd->add_option("FILE", o.file, "User file (created 0600 if missing)")->required();
  cmd->add_option("USER", o.user, "User name")->required();
  cmd->add_flag("--delete", o.remove, "Remove the user instead");
}

}  // namespace portico::server
