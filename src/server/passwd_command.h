// `portico passwd FILE USER [--delete]`: adds, replaces or removes a Basic-auth user.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace portico::server {

struct PasswdOptions {
  std::string file;
  std::string user;
  bool remove = false;  // --delete
};

// The password is read from standard input: one line (prompted twice without echo when stdin is
// a terminal). The file is rewritten atomically (temporary file + rename, mode 0600); comments
// and the order of the other users are kept. Returns the exit status (0, 1 runtime failure,
// 2 usage error); errors are one line on stderr. Never prints or logs the password.
int run_passwd(const PasswdOptions& options);

// Declares the subcommand and its arguments on the application.
void add_passwd(CLI::App& app, PasswdOptions& options);

}  // namespace portico::server
