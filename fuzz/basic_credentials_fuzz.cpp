// libFuzzer target for Basic credentials parsing (RFC 7617). Beyond "no crash": an accepted field
// yields a UTF-8 user name without ':' or controls and a password without controls, and
// re-encoding them gives a field that parses to the same pair.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/base64.h"
#include "http/utf8.h"
#include "portico/http/basic_auth.h"

namespace {

using namespace portico::http;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

bool has_ctl(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

void check_accepted(const BasicCredentials& c) {
  check(!c.user.empty() && c.user.find(':') == std::string::npos, "user: non-empty, no ':'");
  check(is_valid_utf8(c.user) && !has_ctl(c.user), "user: UTF-8 without controls");
  check(!has_ctl(c.password), "password without controls");
  BasicCredentials again;
  const std::string field =
      "Basic " + base64_encode(c.user + ":" + c.password, Base64Alphabet::kStandard);
  const auto st = parse_basic_credentials(field, again);
  check(st == CredentialsStatus::kOk || st == CredentialsStatus::kTooLong, "re-encoded parses");
  if (st == CredentialsStatus::kOk) {
    check(again.user == c.user && again.password == c.password, "round trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  BasicCredentials c;
  if (parse_basic_credentials(in, c) == CredentialsStatus::kOk) check_accepted(c);
  // The same bytes as the decoded user-pass, to reach the checks after base64.
  BasicCredentials d;
  if (parse_basic_credentials("Basic " + base64_encode(in, Base64Alphabet::kStandard), d) ==
      CredentialsStatus::kOk) {
    check_accepted(d);
  }
  return 0;
}
