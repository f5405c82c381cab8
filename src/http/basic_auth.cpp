// The per-request Basic authentication check: limiter, credentials, cached verification, and the
// 401/407/400/429 answers (RFC 7617, RFC 9110 11.6-11.7, RFC 6585 4).
#include "portico/http/basic_auth.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>
#include <unordered_map>

#include "http/char_class.h"
#include "http/crypto.h"
#include "portico/base/clock.h"
#include "portico/base/log.h"

namespace portico::http {
namespace {

constexpr size_t kMaxCachedSuccesses = 1024;
constexpr size_t kMaxLimitersPerThread = 16;

// Recent successful verifications on this thread, keyed by a MAC (under a per-thread random key)
// of the user file's generation, the user and the password: a browser sends the same credentials
// with every request, and PBKDF2 on each would cost tens of milliseconds of loop time. A changed
// file (new generation) or password misses the cache.
class SuccessCache {
 public:
  SuccessCache() : key_(crypto::random_string(32)) {}

  std::string key_for(uint64_t generation, const BasicCredentials& c) const {
    std::string data(sizeof generation, '\0');
    std::memcpy(data.data(), &generation, sizeof generation);
    data.append(c.user).push_back('\0');
    data.append(c.password);
    const auto mac = crypto::hmac_sha256(key_, data);
    crypto::wipe(data);
    return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
  }
  bool hit(const std::string& key, int64_t now_ms) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return false;
    if (now_ms < it->second) return true;
    entries_.erase(it);
    return false;
  }
  void remember(std::string key, int64_t expires_ms, int64_t now_ms) {
    if (entries_.size() >= kMaxCachedSuccesses) {
      std::erase_if(entries_, [now_ms](const auto& e) { return e.second <= now_ms; });
      if (entries_.size() >= kMaxCachedSuccesses) entries_.clear();
    }
    entries_[std::move(key)] = expires_ms;
  }
  bool usable() const { return !key_.empty(); }  // the random source worked

 private:
  std::string key_;
  std::unordered_map<std::string, int64_t> entries_;
};

SuccessCache& thread_success_cache() {
  thread_local SuccessCache cache;
  return cache;
}

// One limiter per thread and per distinct set of limits (usually one): no lock on the request
// path, and every realm on a worker shares a client's failure count.
FailedAttemptLimiter& thread_limiter(const AttemptLimits& limits) {
  using Key = std::tuple<uint32_t, uint32_t, size_t>;
  thread_local std::map<Key, FailedAttemptLimiter> limiters;
  const Key key{limits.max_failures, limits.window_ms, limits.max_clients};
  auto it = limiters.find(key);
  if (it == limiters.end()) {
    if (limiters.size() >= kMaxLimitersPerThread) limiters.clear();
    it = limiters.emplace(key, FailedAttemptLimiter(limits)).first;
  }
  return it->second;
}

bool is_bad_request(CredentialsStatus s) {
  switch (s) {
    case CredentialsStatus::kMalformed:
    case CredentialsStatus::kNoColon:
    case CredentialsStatus::kBadPassword:
    case CredentialsStatus::kTooLong: return true;
    default: return false;
  }
}

}  // namespace

bool is_valid_realm(std::string_view realm) {
  return std::none_of(realm.begin(), realm.end(),
                      [](char c) { return c == '"' || c == '\\' || detail::is_ctl(c); });
}

BasicAuth::BasicAuth(std::shared_ptr<const UserFile> users, BasicAuthOptions options)
    : users_(users ? std::move(users) : std::make_shared<const UserFile>()),
      options_(std::move(options)) {}

std::optional<BasicAuth> BasicAuth::load(const std::string& path, std::string realm,
                                         std::string* error) {
  BasicAuthOptions options;
  options.realm = std::move(realm);
  return load(path, std::move(options), error);
}

std::optional<BasicAuth> BasicAuth::load(const std::string& path, BasicAuthOptions options,
                                         std::string* error) {
  if (!is_valid_realm(options.realm)) {
    if (error) *error = "realm must not contain '\"', '\\' or control characters";
    return std::nullopt;
  }
  auto users = UserFile::load(path, error);
  if (!users) return std::nullopt;
  return BasicAuth(std::make_shared<const UserFile>(std::move(*users)), std::move(options));
}

std::string BasicAuth::challenge() const {
  // RFC 7617 2.1: charset="UTF-8" tells the client to encode user and password as UTF-8.
  return "Basic realm=\"" + options_.realm + "\", charset=\"UTF-8\"";
}

AuthResult BasicAuth::check(const Request& request, Response& out, std::string_view client) const {
  return check(request, out, client, false, thread_limiter(options_.limits), monotonic_ms());
}

AuthResult BasicAuth::check_proxy(const Request& request, Response& out,
                                  std::string_view client) const {
  return check(request, out, client, true, thread_limiter(options_.limits), monotonic_ms());
}

AuthResult BasicAuth::check(const Request& request, Response& out, std::string_view client,
                            bool proxy, FailedAttemptLimiter& limiter, int64_t now_ms) const {
  std::string peer_host;
  if (client.empty()) {
    peer_host = request.peer().host_string();
    client = peer_host;
  }
  AuthResult result;
  const auto challenge_answer = [&] {
    result.outcome = AuthOutcome::kChallenged;
    out = Response::error(proxy ? Status::kProxyAuthenticationRequired : Status::kUnauthorized);
    out.set_header(proxy ? "Proxy-Authenticate" : "WWW-Authenticate", challenge());
  };
  const auto failed = [&] {
    const bool was_blocked = limiter.blocked_for_ms(client, now_ms) > 0;
    limiter.record_failure(client, now_ms);
    if (!was_blocked && limiter.blocked_for_ms(client, now_ms) > 0) {
      // Names the client and realm only: never the user name (people type passwords there).
      LOG_WARN("basic auth: %.*s blocked after %u failed attempts (realm \"%s\")",
               static_cast<int>(client.size()), client.data(), options_.limits.max_failures,
               options_.realm.c_str());
    }
  };

  // RFC 6585 4: 429 with Retry-After; the credentials are not even looked at.
  if (const int64_t wait_ms = limiter.blocked_for_ms(client, now_ms); wait_ms > 0) {
    result.outcome = AuthOutcome::kRateLimited;
    out = Response::error(Status::kTooManyRequests);
    out.set_header("Retry-After", std::to_string((wait_ms + 999) / 1000));
    return result;
  }

  BasicCredentials creds;
  result.credentials =
      parse_basic_credentials(request, proxy ? "Proxy-Authorization" : "Authorization", creds);
  switch (result.credentials) {
    case CredentialsStatus::kOk: break;
    case CredentialsStatus::kMissing:
    case CredentialsStatus::kOtherScheme:
      // Not a failed attempt: a browser's first request never carries credentials.
      challenge_answer();
      return result;
    case CredentialsStatus::kBadUserName:
      // No such user can exist; answer as for a wrong password so the user can retry.
      failed();
      challenge_answer();
      return result;
    default:
      if (is_bad_request(result.credentials)) {
        failed();
        result.outcome = AuthOutcome::kBadRequest;
        out = Response::error(Status::kBadRequest);
        return result;
      }
      challenge_answer();
      return result;
  }

  result.user = creds.user;
  SuccessCache& cache = thread_success_cache();
  const bool use_cache = options_.success_cache_ms > 0 && cache.usable();
  std::string cache_key;
  if (use_cache) {
    cache_key = cache.key_for(users_->generation(), creds);
    if (cache.hit(cache_key, now_ms)) {
      limiter.record_success(client);
      result.outcome = AuthOutcome::kAllowed;
      return result;
    }
  }
  if (!users_->verify(creds.user, creds.password)) {
    failed();
    challenge_answer();
    return result;
  }
  if (use_cache) cache.remember(std::move(cache_key), now_ms + options_.success_cache_ms, now_ms);
  limiter.record_success(client);
  result.outcome = AuthOutcome::kAllowed;
  return result;
}

}  // namespace portico::http
