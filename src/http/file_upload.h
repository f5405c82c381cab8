// PUT and DELETE of files under a document root (internal to StaticFiles).
#pragma once

#include "portico/http/path.h"
#include "portico/http/request.h"
#include "portico/http/response.h"

namespace portico::http {

// PUT writes the body to a temporary file beside the target and renames it into
// place (readers see the old file or the new one, never a part): 201 Created or
// 204 No Content. DELETE unlinks a file: 204. Directories are refused (409 for
// PUT onto a directory, 405 for DELETE of one); a missing parent is 409.
void handle_upload(int root_fd, const PathResult& path, const Request& req, Response& res);

}  // namespace portico::http
