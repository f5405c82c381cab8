// Signed session cookies: a random id in a cookie, HMAC-SHA256 signed with rotating keys, and the
// session's data in a SessionStore on the server (in memory by default).
//
//   auto store = std::make_shared<http::MemorySessionStore>();
//   http::SessionManager sessions({.keys = {key_from_config}}, store);  // throws on a bad key
//   server.router().get("/", [&](const Request& req, Response& res) {
//     http::Session s = sessions.load(req);
//     std::string_view v = s.get("count").value_or("0");
//     int n = 0;
//     std::from_chars(v.data(), v.data() + v.size(), n);
//     ++n;
//     s.set("count", std::to_string(n));
//     sessions.save(req, s, res);   // stores it; Set-Cookie when the session is new
//     res.set_body(std::to_string(n), "text/plain");
//   });
//
// The cookie holds only the id and its signature (`id.signature`, base64url), never the data. A
// tampered, unsigned, expired or unknown cookie is treated as no session: load() returns a new
// one with a fresh id (never the id the client offered, so an attacker cannot fix a victim's id).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/cookie.h"
#include "portico/http/request.h"
#include "portico/http/response.h"

namespace portico::http {

// What the server keeps for one session. Times are Unix milliseconds.
struct SessionData {
  std::map<std::string, std::string, std::less<>> values;
  int64_t created_ms = 0;
  int64_t last_seen_ms = 0;
};

struct SessionTimeouts {
  int64_t idle_ms = 30 * 60 * 1000;           // unused this long: gone
  int64_t absolute_ms = 24 * 60 * 60 * 1000;  // since creation, however busy: gone
};

// Where sessions live. Implementations must be thread-safe: every worker thread calls them.
class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // The session as stored (last_seen_ms: the previous visit), or nullopt when unknown or
  // expired; then marks it as seen at now_ms (the idle timeout counts from there).
  virtual std::optional<SessionData> get(std::string_view id, int64_t now_ms) = 0;
  // Creates or replaces the session.
  virtual void put(std::string_view id, const SessionData& data, int64_t now_ms) = 0;
  virtual void erase(std::string_view id) = 0;
  // Removes every expired session; returns how many went.
  virtual size_t expire(int64_t now_ms) = 0;
};

// Sessions in this process's memory (lost on restart; not shared between processes). Striped
// locks (one per shard, held for a map operation) since a visitor's requests reach any worker.
// Bounded: beyond max_sessions the least recently used session is dropped.
class MemorySessionStore final : public SessionStore {
 public:
  struct Options {
    SessionTimeouts timeouts;
    size_t max_sessions = 100'000;
  };
  MemorySessionStore();
  explicit MemorySessionStore(Options options);
  ~MemorySessionStore() override;

  std::optional<SessionData> get(std::string_view id, int64_t now_ms) override;
  void put(std::string_view id, const SessionData& data, int64_t now_ms) override;
  void erase(std::string_view id) override;
  size_t expire(int64_t now_ms) override;
  size_t size() const;

 private:
  struct Shard;
  Shard& shard_for(std::string_view id) const;
  Options options_;
  std::unique_ptr<Shard[]> shards_;
};

// A session as a handler sees it: loaded by SessionManager::load, handed back to save().
class Session {
 public:
  const std::string& id() const { return id_; }
  // True when the request had no valid session: nothing is stored until save() sees a value.
  bool is_new() const { return is_new_; }

  std::optional<std::string_view> get(std::string_view key) const;
  void set(std::string key, std::string value);
  void erase(std::string_view key);
  void clear();  // removes every value; the session itself stays

  // Gives the session a new id at save() (keeping its values): call it when privileges change,
  // e.g. right after a login, so an id learned before cannot ride on the new rights.
  void regenerate() { regenerate_ = true; }
  // Ends the session at save(): erased from the store and the cookie deleted in the browser.
  void destroy() { destroy_ = true; }

  bool modified() const { return modified_; }
  const SessionData& data() const { return data_; }

 private:
  friend class SessionManager;
  std::string id_;
  SessionData data_;
  bool is_new_ = true;
  bool had_cookie_ = false;  // the request carried our cookie (valid or not)
  bool old_key_ = false;     // the cookie was signed with a key other than the newest
  bool modified_ = false;
  bool regenerate_ = false;
  bool destroy_ = false;
};

struct SessionOptions {
  std::string cookie_name = "portico_session";
  // Signing keys, oldest first: the LAST one signs, any one verifies, so adding a key rotates
  // without logging anyone out (drop the old key later). Each at least 32 bytes of secret
  // (e.g. `openssl rand -base64 48`). Required.
  std::vector<std::string> keys;
  SessionTimeouts timeouts;
  // Cookie attributes. Secure: nullopt means when the request arrived over TLS.
  std::string cookie_path = "/";
  std::string cookie_domain;
  SameSite same_site = SameSite::kLax;
  std::optional<bool> secure;
  // Max-Age = the absolute timeout, so the browser drops the cookie when the server would
  // anyway. false: a browser-session cookie (no Max-Age).
  bool persistent_cookie = true;
  // Unix milliseconds; empty means the system clock. Tests inject their own.
  std::function<int64_t()> clock;
};

class SessionManager {
 public:
  // Throws std::invalid_argument naming the problem (no key, a key shorter than 32 bytes, a
  // cookie name that is not a token, a non-positive timeout): a start-up error.
  SessionManager(SessionOptions options, std::shared_ptr<SessionStore> store);

  // The request's session, or a new one (see is_new()). Never fails: a random source failure
  // yields a session with an empty id that save() will not store.
  Session load(const Request& request) const;
  // Stores the session when it has values and sets/deletes the cookie as needed: Set-Cookie is
  // written for a new or regenerated session, for a cookie signed with an older key (re-signed
  // with the newest), and (expired) for a destroyed session or an invalid cookie.
  void save(const Request& request, Session& session, Response& response) const;

  // Cookie value for an id: `id.base64url(HMAC-SHA256(newest key, name|id))`.
  std::string sign(std::string_view id) const;
  // The id in a cookie value when its signature matches one of the keys (constant-time
  // comparison), or nullopt. *newest_key (if given) tells whether the newest key signed it.
  std::optional<std::string> verify(std::string_view cookie_value,
                                    bool* newest_key = nullptr) const;

  // A fresh random id (24 bytes from RAND_bytes, base64url: 32 characters); empty on failure.
  static std::string new_id();
  // 32 random bytes, base64url, usable as a key (for programs that have none configured).
  static std::string generate_key();

  const SessionOptions& options() const { return options_; }
  SessionStore& store() const { return *store_; }

 private:
  int64_t now_ms() const;
  SessionOptions options_;
  std::shared_ptr<SessionStore> store_;
};

}  // namespace portico::http
