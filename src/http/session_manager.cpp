// SessionManager and Session: signed id cookies (HMAC-SHA256, key rotation) over a SessionStore.
#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "http/base64.h"
#include "http/crypto.h"
#include "portico/base/log.h"
#include "portico/http/session.h"

namespace portico::http {
namespace {

constexpr size_t kIdBytes = 24;                      // 192 bits from the CSPRNG
constexpr size_t kIdChars = (kIdBytes * 4 + 2) / 3;  // base64url without padding: 32
constexpr size_t kMinKeyBytes = 32;

bool is_url_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// The MAC covers the cookie name too, so a value cannot be moved to another cookie that happens
// to share the keys.
crypto::Sha256Digest mac(std::string_view key, std::string_view cookie_name, std::string_view id) {
  std::string data = "portico-session-v1|";
  data.append(cookie_name).append("|").append(id);
  return crypto::hmac_sha256(key, data);
}

std::string_view digest_view(const crypto::Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace

// ---- Session ----

std::optional<std::string_view> Session::get(std::string_view key) const {
  auto it = data_.values.find(key);
  if (it == data_.values.end()) return std::nullopt;
  return std::string_view(it->second);
}

void Session::set(std::string key, std::string value) {
  data_.values.insert_or_assign(std::move(key), std::move(value));
  modified_ = true;
}

void Session::erase(std::string_view key) {
  auto it = data_.values.find(key);
  if (it == data_.values.end()) return;
  data_.values.erase(it);
  modified_ = true;
}

void Session::clear() {
  if (data_.values.empty()) return;
  data_.values.clear();
  modified_ = true;
}

// ---- SessionManager ----

SessionManager::SessionManager(SessionOptions options, std::shared_ptr<SessionStore> store)
    : options_(std::move(options)), store_(std::move(store)) {
  if (!store_) throw std::invalid_argument("sessions: no session store");
  if (options_.keys.empty()) throw std::invalid_argument("sessions: no signing key");
  for (size_t i = 0; i < options_.keys.size(); ++i) {
    if (options_.keys[i].size() < kMinKeyBytes) {
      throw std::invalid_argument("sessions: signing key " + std::to_string(i + 1) + " is " +
                                  std::to_string(options_.keys[i].size()) +
                                  " bytes; at least 32 are needed");
    }
  }
  std::string why;
  if (!is_valid_cookie_name(options_.cookie_name, &why)) {
    throw std::invalid_argument("sessions: " + why);
  }
  if (options_.timeouts.idle_ms <= 0 || options_.timeouts.absolute_ms <= 0) {
    throw std::invalid_argument("sessions: timeouts must be positive");
  }
}

int64_t SessionManager::now_ms() const {
  if (options_.clock) return options_.clock();
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string SessionManager::new_id() {
  std::string raw = crypto::random_string(kIdBytes);
  if (raw.empty()) return {};
  return base64_encode(raw, Base64Alphabet::kUrl);
}

std::string SessionManager::generate_key() {
  std::string raw = crypto::random_string(32);
  if (raw.empty()) return {};
  std::string key = base64_encode(raw, Base64Alphabet::kUrl);
  crypto::wipe(raw);
  return key;
}

std::string SessionManager::sign(std::string_view id) const {
  const auto d = mac(options_.keys.back(), options_.cookie_name, id);
  std::string value(id);
  value += '.';
  value += base64_encode(digest_view(d), Base64Alphabet::kUrl);
  return value;
}

std::optional<std::string> SessionManager::verify(std::string_view value, bool* newest_key) const {
  // Shape first (cheap, and nothing but our own format reaches HMAC): 32 id chars, '.', 43 sig.
  if (value.size() != kIdChars + 1 + 43 || value[kIdChars] != '.') return std::nullopt;
  const std::string_view id = value.substr(0, kIdChars);
  for (char c : id) {
    if (!is_url_char(c)) return std::nullopt;
  }
  const auto sig = base64_decode(value.substr(kIdChars + 1), Base64Alphabet::kUrl);
  if (!sig || sig->size() != crypto::kSha256Bytes) return std::nullopt;
  // Try every key, newest first, and compare each in constant time.
  for (size_t i = options_.keys.size(); i-- > 0;) {
    const auto d = mac(options_.keys[i], options_.cookie_name, id);
    if (crypto::constant_time_equal(digest_view(d), *sig)) {
      if (newest_key) *newest_key = i + 1 == options_.keys.size();
      return std::string(id);
    }
  }
  return std::nullopt;
}

Session SessionManager::load(const Request& request) const {
  Session s;
  const int64_t now = now_ms();
  if (auto value = find_cookie(request, options_.cookie_name)) {
    s.had_cookie_ = true;
    bool newest = true;
    if (auto id = verify(*value, &newest)) {
      if (auto data = store_->get(*id, now)) {
        // The store may not enforce the timeouts itself; the manager always does.
        const auto& t = options_.timeouts;
        if (now - data->last_seen_ms < t.idle_ms && now - data->created_ms < t.absolute_ms) {
          s.id_ = std::move(*id);
          s.data_ = std::move(*data);
          s.is_new_ = false;
          s.old_key_ = !newest;
          return s;
        }
        store_->erase(*id);
      }
    }
  }
  s.id_ = new_id();
  if (s.id_.empty()) LOG_ERROR("sessions: the random source failed; session not created");
  s.data_.created_ms = now;
  s.data_.last_seen_ms = now;
  return s;
}

void SessionManager::save(const Request& request, Session& s, Response& response) const {
  const bool secure = request.is_secure();
  SetCookie cookie;
  cookie.name = options_.cookie_name;
  cookie.path = options_.cookie_path;
  cookie.domain = options_.cookie_domain;
  cookie.secure = options_.secure;
  cookie.same_site = options_.same_site;

  const auto write_cookie = [&](const SetCookie& c) {
    std::string err;
    if (!add_set_cookie(response, c, secure, &err)) LOG_ERROR("sessions: %s", err.c_str());
  };
  const auto delete_cookie = [&] {
    SetCookie gone = expired_cookie(cookie.name, cookie.path, cookie.domain);
    gone.secure = cookie.secure;
    gone.same_site = cookie.same_site;
    write_cookie(gone);
  };

  if (s.destroy_) {
    if (!s.is_new_) store_->erase(s.id_);
    if (s.had_cookie_) delete_cookie();
    s = Session();
    return;
  }
  if (s.id_.empty()) return;  // no random id could be made: nothing to store safely

  const int64_t now = now_ms();
  bool send_cookie = s.old_key_;
  if (s.regenerate_ && !s.is_new_) {
    std::string fresh = new_id();
    if (fresh.empty()) {
      LOG_ERROR("sessions: the random source failed; session id not regenerated");
    } else {
      store_->erase(s.id_);
      s.id_ = std::move(fresh);
      s.modified_ = true;
      send_cookie = true;
    }
  }
  s.regenerate_ = false;

  if (s.is_new_) {
    // Nothing worth keeping: no store entry, no cookie (a visitor costs nothing until then).
    // A cookie that failed to verify is deleted so the browser stops sending it.
    if (s.data_.values.empty()) {
      if (s.had_cookie_) delete_cookie();
      return;
    }
    send_cookie = true;
  }
  if (s.modified_ || s.is_new_) {
    s.data_.last_seen_ms = now;
    store_->put(s.id_, s.data_, now);
  }
  if (send_cookie) {
    cookie.value = sign(s.id_);
    if (options_.persistent_cookie) {
      const int64_t left_ms = options_.timeouts.absolute_ms - (now - s.data_.created_ms);
      cookie.max_age = std::max<int64_t>(0, left_ms / 1000);
    }
    write_cookie(cookie);
  }
  s.is_new_ = false;
  s.old_key_ = false;
  s.modified_ = false;
}

}  // namespace portico::http
