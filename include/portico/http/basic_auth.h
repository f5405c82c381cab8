// HTTP Basic authentication (RFC 7617): a file of salted password hashes, the Authorization /
// Proxy-Authorization header parser, and the per-request check that answers 401/407/400/429.
//
//   std::string err;
//   auto auth = http::BasicAuth::load("users.txt", "staff", &err);   // start-up: err is
//   if (!auth) die(err);                                             // "users.txt:3: ..."
//   ...
//   http::Response res;
//   if (auth->check(req, res).outcome != http::AuthOutcome::kAllowed) return res;  // 401/400/429
//
// Users are added with `portico passwd FILE USER`. Lines look like
//   alice:$pbkdf2-sha256$100000$<salt, base64>$<hash, base64>
// Plain-text passwords are refused at load time. Nothing here ever logs a password.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/request.h"
#include "portico/http/response.h"

namespace portico::http {

// ---- Credentials header (RFC 7617 2, RFC 9110 11.6.2 / 11.7.2) ---------------------------

// Why a credentials field was or was not usable. Precise for logs and tests; never carries the
// secret.
enum class CredentialsStatus : uint8_t {
  kOk,
  kMissing,      // no such header field
  kOtherScheme,  // a scheme other than Basic (e.g. Bearer): not ours to judge
  kMalformed,    // "Basic" without a token, bad base64, trailing junk, several fields
  kNoColon,      // the decoded user-pass has no ':' (RFC 7617 2)
  kBadUserName,  // empty, not UTF-8, or containing control characters
  kBadPassword,  // contains control characters (RFC 7617 2: CTLs are not allowed)
  kTooLong,      // the field is longer than kMaxCredentialsBytes
};
std::string_view to_string(CredentialsStatus s);

// Longest Authorization value considered (user + password are far below this in practice).
inline constexpr size_t kMaxCredentialsBytes = 4096;

struct BasicCredentials {
  std::string user;
  std::string password;  // wiped when destroyed
  BasicCredentials() = default;
  BasicCredentials(const BasicCredentials&) = default;
  BasicCredentials(BasicCredentials&&) = default;
  BasicCredentials& operator=(const BasicCredentials&) = default;
  BasicCredentials& operator=(BasicCredentials&&) = default;
  ~BasicCredentials();
};

// Parses one field value: `Basic <token68>` (scheme case-insensitive, RFC 9110 11.1), the token
// being base64 (RFC 4648 4; padding optional) of UTF-8 `user:password`. On kOk fills `out`.
CredentialsStatus parse_basic_credentials(std::string_view field_value, BasicCredentials& out);

// Finds `field_name` (Authorization or Proxy-Authorization) in the request and parses it.
// Several fields of that name are kMalformed (the value would be ambiguous).
CredentialsStatus parse_basic_credentials(const Request& request, std::string_view field_name,
                                          BasicCredentials& out);

// ---- User file --------------------------------------------------------------------------

// PBKDF2-HMAC-SHA256 work factor written by `portico passwd`; files with fewer are refused.
inline constexpr uint32_t kPbkdf2DefaultIterations = 100'000;
inline constexpr uint32_t kPbkdf2MinIterations = 100'000;

// Users and their salted password hashes. Immutable once loaded: share it between threads
// through std::shared_ptr<const UserFile>.
class UserFile {
 public:
  struct Entry {
    std::string user;
    std::string hash;  // "$pbkdf2-sha256$ITERATIONS$SALT$HASH"
  };

  // Reads and validates the file. On failure returns nullopt and sets *error to one line,
  // "FILE:LINE: what" (e.g. "users.txt:4: plain-text password refused; use portico passwd").
  // Blank lines and lines starting with '#' are ignored. Duplicate users are an error.
  static std::optional<UserFile> load(const std::string& path, std::string* error);
  // The same from text; `name` is used in messages in place of the file name.
  static std::optional<UserFile> parse(std::string_view text, std::string_view name,
                                       std::string* error);

  // True when `password` is the user's. Takes the same time whether or not the user exists
  // (an unknown user is checked against a dummy hash of the same work factor); the final
  // comparison is constant-time. Costs one PBKDF2 run (tens of milliseconds): BasicAuth keeps
  // a per-thread cache of recent successes so a browser resending credentials stays cheap.
  bool verify(std::string_view user, std::string_view password) const;

  // Whether a hash string is well-formed ("$pbkdf2-sha256$..." with >= kPbkdf2MinIterations);
  // when not, *why says what is wrong.
  static bool is_valid_hash(std::string_view hash, std::string* why);
  // A fresh salted hash of `password` (16 random bytes of salt from the OS CSPRNG). Empty on
  // failure of the random source.
  static std::string hash_password(std::string_view password,
                                   uint32_t iterations = kPbkdf2DefaultIterations);
  // Whether a user name can be stored: valid UTF-8, no control characters, no ':' (RFC 7617
  // 2), 1..255 bytes. When not, *why says what is wrong.
  static bool is_valid_user_name(std::string_view user, std::string* why);

  // Editing, for `portico passwd`: replaces or appends; removes. Order of lines is kept.
  void set(std::string user, std::string hash);
  bool erase(std::string_view user);
  // The file's text: one "user:hash" line per entry, in order.
  std::string serialize() const;

  const std::vector<Entry>& entries() const { return entries_; }
  bool contains(std::string_view user) const { return find(user) != nullptr; }
  size_t size() const { return entries_.size(); }
  // Distinguishes loaded files from each other (for caches keyed by file); unique per process.
  uint64_t generation() const { return generation_; }

 private:
  const Entry* find(std::string_view user) const;
  std::vector<Entry> entries_;
  uint64_t generation_ = 0;
};

// ---- Failed-attempt limiter -------------------------------------------------------------

struct AttemptLimits {
  uint32_t max_failures = 10;   // per client per window; 0 disables the limiter
  uint32_t window_ms = 60'000;  // fixed window, starting at a client's first failure
  size_t max_clients = 4096;    // entries kept; the least recently failed is dropped beyond
};

// Counts failed logins per client key (an address). Not thread-safe by design: each worker
// thread has its own (see BasicAuth::check), so nothing on the request path takes a lock. A
// client spread over several workers gets up to threads x max_failures tries per window.
class FailedAttemptLimiter {
 public:
  explicit FailedAttemptLimiter(AttemptLimits limits = {});
  ~FailedAttemptLimiter();
  FailedAttemptLimiter(FailedAttemptLimiter&&) noexcept;
  FailedAttemptLimiter& operator=(FailedAttemptLimiter&&) noexcept;

  // Milliseconds until `client` may try again (0: it may try now).
  int64_t blocked_for_ms(std::string_view client, int64_t now_ms) const;
  void record_failure(std::string_view client, int64_t now_ms);
  void record_success(std::string_view client);  // forgets the client's failures
  size_t size() const;

 private:
  struct Table;
  AttemptLimits limits_;
  std::unique_ptr<Table> table_;
};

// ---- The per-request check --------------------------------------------------------------

enum class AuthOutcome : uint8_t {
  kAllowed,      // credentials verified; the request goes on
  kChallenged,   // 401 (or 407 for a proxy) with the challenge: missing or wrong credentials
  kBadRequest,   // 400: a Basic field that is not well-formed
  kRateLimited,  // 429 with Retry-After: too many failures from this client; not checked
};

struct AuthResult {
  AuthOutcome outcome = AuthOutcome::kChallenged;
  CredentialsStatus credentials = CredentialsStatus::kMissing;
  std::string user;  // set when the header named one (kAllowed, or a wrong password)
  bool allowed() const { return outcome == AuthOutcome::kAllowed; }
};

struct BasicAuthOptions {
  std::string realm = "portico";  // shown by browsers; quoted-string in the challenge
  AttemptLimits limits;
  // Successful checks are remembered (per thread, keyed by a MAC of user and password) this long
  // so repeated requests do not each pay for PBKDF2. 0 disables the cache.
  uint32_t success_cache_ms = 300'000;
};

class BasicAuth {
 public:
  // A null `users` is an empty file: nobody gets in.
  BasicAuth(std::shared_ptr<const UserFile> users, BasicAuthOptions options);

  // Loads the user file for one realm. Start-up / reload only: on failure returns nullopt and
  // *error is "FILE:LINE: what". The realm must not contain '"', '\\' or control characters.
  static std::optional<BasicAuth> load(const std::string& path, std::string realm,
                                       std::string* error);
  static std::optional<BasicAuth> load(const std::string& path, BasicAuthOptions options,
                                       std::string* error);

  // Origin authentication (RFC 9110 11.6.2): reads Authorization. When the result is not
  // kAllowed, `out` has been made the answer to send: 401 with
  // `WWW-Authenticate: Basic realm="...", charset="UTF-8"`, 400, or 429 with Retry-After.
  // `client` keys the failed-attempt limiter; empty means the peer's address (a caller that
  // knows the client behind a trusted proxy passes that). Uses this thread's limiter.
  AuthResult check(const Request& request, Response& out, std::string_view client = {}) const;

  // Proxy authentication (RFC 9110 11.7): reads Proxy-Authorization, answers 407 with
  // `Proxy-Authenticate: Basic realm="...", charset="UTF-8"` (or 400 / 429). A forward proxy
  // must remove Proxy-Authorization before forwarding the request.
  AuthResult check_proxy(const Request& request, Response& out, std::string_view client = {}) const;

  // The same two with an explicit limiter and clock (tests, or callers that own per-worker
  // state themselves).
  AuthResult check(const Request& request, Response& out, std::string_view client, bool proxy,
                   FailedAttemptLimiter& limiter, int64_t now_ms) const;

  const std::string& realm() const { return options_.realm; }
  const UserFile& users() const { return *users_; }
  // The challenge field value: `Basic realm="...", charset="UTF-8"` (RFC 7617 2.1).
  std::string challenge() const;

 private:
  std::shared_ptr<const UserFile> users_;
  BasicAuthOptions options_;
};

// Whether a realm can be sent as a quoted-string without escaping (no '"', '\\', CTLs).
bool is_valid_realm(std::string_view realm);

}  // namespace portico::http
