// Tests for SessionManager: signing, tampering, key rotation, expiry, cookies written by save().
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "portico/http/session.h"
#include "unit/http/test_request.h"

namespace portico::http {
namespace {

using testing::TestRequest;

const std::string kOldKey(32, 'o');
const std::string kNewKey(40, 'n');

class SessionManagerTest : public ::testing::Test {
 protected:
  std::shared_ptr<MemorySessionStore> store_ = std::make_shared<MemorySessionStore>();
  int64_t now_ = 1'700'000'000'000;

  SessionManager manager(std::vector<std::string> keys = {kNewKey}) {
    SessionOptions o;
    o.keys = std::move(keys);
    o.timeouts = {.idle_ms = 1000, .absolute_ms = 10'000};
    o.clock = [this] { return now_; };
    return SessionManager(std::move(o), store_);
  }
  static std::vector<std::string> set_cookies(const Response& r) {
    std::vector<std::string> out;
    for (const auto& f : r.headers().fields()) {
      if (f.name == "Set-Cookie") out.push_back(f.value);
    }
    return out;
  }
  // The cookie value from a Set-Cookie line ("name=VALUE; ...").
  static std::string value_of(const std::string& set_cookie) {
    const size_t eq = set_cookie.find('=');
    return set_cookie.substr(eq + 1, set_cookie.find(';') - eq - 1);
  }
  // One request/response round: loads, lets `body` change the session, saves.
  template <typename F>
  Response round(const SessionManager& m, const std::string& cookie, F body, bool secure = false) {
    TestRequest req({{"Cookie", cookie}}, secure);
    Session s = m.load(req.request());
    body(s);
    Response res;
    m.save(req.request(), s, res);
    return res;
  }
};

TEST_F(SessionManagerTest, ANewSessionWithValuesIsStoredAndGetsASignedCookie) {
  auto m = manager();
  std::string id;
  Response res = round(m, "", [&](Session& s) {
    EXPECT_TRUE(s.is_new());
    EXPECT_EQ(s.id().size(), 32u);
    id = s.id();
    s.set("user", "alice");
  });
  auto cookies = set_cookies(res);
  ASSERT_EQ(cookies.size(), 1u);
  EXPECT_EQ(cookies[0].rfind("portico_session=" + id + ".", 0), 0u) << cookies[0];
  EXPECT_NE(cookies[0].find("; Path=/; Max-Age=10; HttpOnly; SameSite=Lax"), std::string::npos)
      << cookies[0];
  EXPECT_EQ(store_->size(), 1u);

  // The next request finds it; nothing changed, so no Set-Cookie.
  Response again = round(m, "portico_session=" + value_of(cookies[0]), [&](Session& s) {
    EXPECT_FALSE(s.is_new());
    EXPECT_EQ(s.id(), id);
    EXPECT_EQ(s.get("user"), "alice");
  });
  EXPECT_TRUE(set_cookies(again).empty());
}

TEST_F(SessionManagerTest, OverTlsTheCookieIsSecure) {
  auto m = manager();
  Response res = round(
      m, "", [](Session& s) { s.set("a", "1"); }, true);
  EXPECT_NE(set_cookies(res).at(0).find("; Secure"), std::string::npos);
}

TEST_F(SessionManagerTest, AnEmptyNewSessionCostsNothing) {
  auto m = manager();
  Response res = round(m, "", [](Session&) {});
  EXPECT_TRUE(set_cookies(res).empty());
  EXPECT_EQ(store_->size(), 0u);
}

TEST_F(SessionManagerTest, TamperedForgedAndMalformedCookiesAreNoSession) {
  auto m = manager();
  const std::string good = m.sign(SessionManager::new_id());
  std::string flipped_id = good;
  flipped_id[0] = flipped_id[0] == 'A' ? 'B' : 'A';
  std::string flipped_sig = good;
  flipped_sig.back() = flipped_sig.back() == 'A' ? 'B' : 'A';
  SessionManager other({.keys = {std::string(32, 'x')}}, store_);
  const std::vector<std::string> bad = {
      "",
      "garbage",
      flipped_id,
      flipped_sig,
      good.substr(0, good.size() - 1),
      good + "A",
      good.substr(0, 32),
      other.sign(SessionManager::new_id()),  // another key
      std::string(good.size(), '.'),
      std::string("\0", 1) + good.substr(1),
      std::string(10000, 'A'),
  };
  for (const auto& v : bad) EXPECT_EQ(m.verify(v), std::nullopt) << v;
  EXPECT_TRUE(m.verify(good));
}

TEST_F(SessionManagerTest, AnInvalidCookieGetsAFreshIdAndIsDeleted) {
  auto m = manager();
  const std::string forged_id(32, 'A');
  Response res =
      round(m, "portico_session=" + forged_id + "." + std::string(43, 'A'), [&](Session& s) {
        EXPECT_TRUE(s.is_new());
        EXPECT_NE(s.id(), forged_id);  // never adopt the client's id
      });
  auto cookies = set_cookies(res);
  ASSERT_EQ(cookies.size(), 1u);
  EXPECT_EQ(cookies[0].rfind("portico_session=; Path=/; Max-Age=0;", 0), 0u) << cookies[0];
}

TEST_F(SessionManagerTest, ASignedButUnknownIdIsANewSession) {
  auto m = manager();
  round(m, "portico_session=" + m.sign(SessionManager::new_id()),
        [](Session& s) { EXPECT_TRUE(s.is_new()); });
}

TEST_F(SessionManagerTest, KeyRotationKeepsOldCookiesValidAndReSignsThem) {
  auto old_manager = manager({kOldKey});
  Response first = round(old_manager, "", [](Session& s) { s.set("n", "1"); });
  const std::string old_cookie = value_of(set_cookies(first).at(0));

  auto rotated = manager({kOldKey, kNewKey});
  bool newest = true;
  ASSERT_TRUE(rotated.verify(old_cookie, &newest));
  EXPECT_FALSE(newest);
  Response second = round(rotated, "portico_session=" + old_cookie, [](Session& s) {
    EXPECT_FALSE(s.is_new());
    EXPECT_EQ(s.get("n"), "1");
  });
  auto cookies = set_cookies(second);
  ASSERT_EQ(cookies.size(), 1u);  // re-signed with the newest key
  const std::string new_cookie = value_of(cookies[0]);
  EXPECT_EQ(new_cookie.substr(0, 32), old_cookie.substr(0, 32));  // same id
  ASSERT_TRUE(rotated.verify(new_cookie, &newest));
  EXPECT_TRUE(newest);

  // Once the old key is dropped, only the re-signed cookie still works.
  auto new_only = manager({kNewKey});
  EXPECT_FALSE(new_only.verify(old_cookie));
  EXPECT_TRUE(new_only.verify(new_cookie));
}

TEST_F(SessionManagerTest, IdleAndAbsoluteExpiryEndTheSession) {
  auto m = manager();
  Response res = round(m, "", [](Session& s) { s.set("a", "1"); });
  const std::string cookie = "portico_session=" + value_of(set_cookies(res).at(0));
  now_ += 900;
  round(m, cookie, [](Session& s) { EXPECT_FALSE(s.is_new()); });
  now_ += 1000;  // idle for 1000 ms
  round(m, cookie, [](Session& s) { EXPECT_TRUE(s.is_new()); });

  Response res2 = round(m, "", [](Session& s) { s.set("a", "1"); });
  const std::string cookie2 = "portico_session=" + value_of(set_cookies(res2).at(0));
  for (int i = 0; i < 12; ++i) {
    now_ += 900;  // busy, but the absolute timeout is 10 s
    bool fresh = false;
    round(m, cookie2, [&](Session& s) { fresh = s.is_new(); });
    EXPECT_EQ(fresh, i >= 11) << i;  // alive at 9900 ms, gone at 10800
    if (fresh) break;
  }
}

TEST_F(SessionManagerTest, DestroyErasesTheSessionAndDeletesTheCookie) {
  auto m = manager();
  Response res = round(m, "", [](Session& s) { s.set("a", "1"); });
  const std::string cookie = "portico_session=" + value_of(set_cookies(res).at(0));
  Response out = round(m, cookie, [](Session& s) { s.destroy(); });
  EXPECT_EQ(set_cookies(out).at(0).rfind("portico_session=; Path=/; Max-Age=0;", 0), 0u);
  EXPECT_EQ(store_->size(), 0u);
  round(m, cookie, [](Session& s) { EXPECT_TRUE(s.is_new()); });
}

TEST_F(SessionManagerTest, RegenerateMovesTheValuesToANewId) {
  auto m = manager();
  Response res = round(m, "", [](Session& s) { s.set("a", "1"); });
  const std::string cookie = "portico_session=" + value_of(set_cookies(res).at(0));
  std::string old_id;
  Response out = round(m, cookie, [&](Session& s) {
    old_id = s.id();
    s.set("user", "alice");
    s.regenerate();
  });
  const std::string fresh = value_of(set_cookies(out).at(0));
  EXPECT_NE(fresh.substr(0, 32), old_id);
  EXPECT_EQ(store_->get(old_id, now_), std::nullopt);
  round(m, "portico_session=" + fresh, [](Session& s) {
    EXPECT_EQ(s.get("a"), "1");
    EXPECT_EQ(s.get("user"), "alice");
  });
  round(m, cookie, [](Session& s) { EXPECT_TRUE(s.is_new()); });  // the old id is gone
}

TEST_F(SessionManagerTest, ValuesCanBeErasedAndCleared) {
  auto m = manager();
  Response res = round(m, "", [](Session& s) {
    s.set("a", "1");
    s.set("b", "2");
    s.erase("a");
    s.erase("zzz");
  });
  const std::string cookie = "portico_session=" + value_of(set_cookies(res).at(0));
  round(m, cookie, [](Session& s) {
    EXPECT_EQ(s.get("a"), std::nullopt);
    EXPECT_EQ(s.get("b"), "2");
    s.clear();
    EXPECT_TRUE(s.modified());
  });
  round(m, cookie, [](Session& s) { EXPECT_TRUE(s.data().values.empty()); });
}

TEST_F(SessionManagerTest, ConstructionRefusesWeakOrMissingKeys) {
  const auto make = [this](SessionOptions o) { SessionManager m(std::move(o), store_); };
  EXPECT_THROW(make({}), std::invalid_argument);
  EXPECT_THROW(make({.keys = {std::string(31, 'k')}}), std::invalid_argument);
  EXPECT_THROW(make({.cookie_name = "bad name", .keys = {kNewKey}}), std::invalid_argument);
  EXPECT_THROW(SessionManager({.keys = {kNewKey}}, nullptr), std::invalid_argument);
  EXPECT_NO_THROW(make({.keys = {SessionManager::generate_key()}}));
}

}  // namespace
}  // namespace portico::http
