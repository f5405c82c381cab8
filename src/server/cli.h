// Command-line front end: parses `portico <subcommand> ...` and runs it.
#pragma once

namespace portico::server {

// Exit status: 0 success, 1 runtime failure, 2 usage or config error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

int run_cli(int argc, char** argv);

}  // namespace portico::server
