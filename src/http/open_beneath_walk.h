// Internal: the openat2-free way to open a path beneath a directory (for old kernels and tests).
#pragma once

#include <string_view>

namespace portico::http {

// What open_under_root does without openat2: RESOLVE_BENEATH semantics by walking one
// component at a time with O_NOFOLLOW, expanding symlinks by hand (absolute targets and ".."
// above the root -> EXDEV, more than 40 expansions -> ELOOP). Returns an fd opened with
// `final_flags` (which must include O_NOFOLLOW), or -1 with *err set.
int open_beneath_by_walk(int root_dirfd, std::string_view relative_path, int final_flags, int* err);

}  // namespace portico::http
