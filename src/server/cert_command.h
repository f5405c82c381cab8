// `portico cert self-signed`: writes a development certificate and key.
#pragma once

#include <string>

namespace portico::server {

struct CertOptions {
  std::string name = "localhost";  // host name (or IP) the certificate is for
  std::string out_dir = ".";       // cert.pem and key.pem are written here
  int days = 90;
  bool force = false;  // overwrite existing files
};

// Writes out_dir/cert.pem (0644) and out_dir/key.pem (0600), creating out_dir if needed.
// Returns the exit status; errors are one line on stderr.
int run_cert_self_signed(const CertOptions& options);

}  // namespace portico::server
