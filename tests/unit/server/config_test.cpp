// Tests for the config loader (src/server/config_loader.cpp and the section loaders): every
// file in tests/data/config/bad/ must fail with exactly the errors its "# expect:" lines name,
// good configs load with the right values, and examples/portico.toml passes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/config_loader.h"
#include "server/daemon_runtime.h"

namespace portico::server {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceRoot =
    fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
const fs::path kBadDir = kSourceRoot / "tests" / "data" / "config" / "bad";

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "# expect: LINE:COL: message" lines; "{dir}" stands for the file's folder.
std::vector<std::string> expected_errors(const fs::path& file) {
  std::vector<std::string> out;
  std::istringstream in(read_text(file));
  std::string line;
  const std::string tag = "# expect: ";
  while (std::getline(in, line)) {
    if (line.rfind(tag, 0) != 0) continue;
    std::string e = line.substr(tag.size());
    for (size_t at = e.find("{dir}"); at != std::string::npos; at = e.find("{dir}")) {
      e.replace(at, 5, file.parent_path().string());
    }
    out.push_back(e);
  }
  return out;
}

std::vector<std::string> actual_errors(const LoadResult& r) {
  std::vector<std::string> out;
  for (const ConfigError& e : r.errors) {
    out.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message);
  }
  return out;
}

// A config in a temporary folder (with a "www" folder beside it).
class TempConfig {
 public:
  TempConfig() {
    dir_ = fs::temp_directory_path() /
           ("portico-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_ / "www");
  }
  ~TempConfig() { fs::remove_all(dir_); }
  LoadResult load(const std::string& text) {
    fs::path file = dir_ / "portico.toml";
    std::ofstream(file) << text;
    return load_config(file.string());
  }
  const fs::path& dir() const { return dir_; }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

const char* kMinimal = R"(
[[listen]]
address = "127.0.0.1:8080"

[[site]]
root = "www"
)";

TEST(ConfigLoader, EveryBadFileFailsWithExactlyTheExpectedErrors) {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(kBadDir)) {
    if (entry.path().extension() != ".toml") continue;
    ++files;
    SCOPED_TRACE(entry.path().filename().string());
    std::vector<std::string> expected = expected_errors(entry.path());
    ASSERT_FALSE(expected.empty()) << "no '# expect:' line";
    LoadResult r = load_config(entry.path().string());
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(actual_errors(r), expected);
    for (const ConfigError& e : r.errors) EXPECT_EQ(e.file, entry.path().string());
  }
  EXPECT_GE(files, 25u);
}

TEST(ConfigLoader, FormatsErrorsAsFileLineColumnMessage) {
  ConfigError e{"portico.toml", 12, 5, "unknown key 'listn'"};
  EXPECT_EQ(e.to_string(), "portico.toml:12:5: unknown key 'listn'");
  ConfigError whole{"portico.toml", 0, 0, "no such file"};
  EXPECT_EQ(whole.to_string(), "portico.toml: no such file");
}

TEST(ConfigLoader, ReportsAMissingFileWithoutAPosition) {
  LoadResult r = load_config("/nonexistent/portico.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), "/nonexistent/portico.toml: no such file");
}

TEST(ConfigLoader, ReportsEveryErrorOfOneFileInFileOrder) {
  LoadResult r = load_config_text(R"(
[[listen]]
address = "127.0.0.1:0"
backlg = 5

[[site]]
root = "."
browse = "yes"
)",
                                  "x.toml");
  std::vector<std::string> want = {
      "4:1: unknown key 'backlg' in [[listen]] (did you mean 'backlog'?)",
      "8:10: 'browse' must be true or false, not a string"};
  EXPECT_EQ(actual_errors(r), want);
}

TEST(ConfigLoader, AppliesDefaults) {
  TempConfig t;
  LoadResult r = t.load(kMinimal);
  ASSERT_TRUE(r.ok()) << actual_errors(r)[0];
  const Config& c = *r.config;
  EXPECT_EQ(c.server.threads, 0);
  EXPECT_EQ(c.server.unknown_host_status, http::Status::kMisdirectedRequest);
  EXPECT_EQ(c.server.shutdown_timeout_ms, 10'000u);
  EXPECT_EQ(c.limits.max_body_bytes, http::RequestLimits{}.max_body_bytes);
  EXPECT_EQ(c.log.access_log, "");
  EXPECT_EQ(c.log.access_format, AccessLogFormat::kCombined);
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].addr.to_string(), "127.0.0.1:8080");
  EXPECT_TRUE(c.listeners[0].options.reuse_port);
  EXPECT_TRUE(c.listeners[0].options.tcp_nodelay);
  ASSERT_EQ(c.sites.size(), 1u);
  EXPECT_TRUE(c.sites[0].hosts.empty());
}

TEST(ConfigLoader, ResolvesRelativePathsAgainstTheConfigFolder) {
  TempConfig t;
  LoadResult r = t.load(std::string(kMinimal) + "\n[log]\naccess = \"logs/../access.log\"\n");
  ASSERT_TRUE(r.ok()) << actual_errors(r)[0];
  EXPECT_EQ(r.config->sites[0].files->root, (t.dir() / "www").string());
  EXPECT_EQ(r.config->log.access_log, (t.dir() / "access.log").string());
}

TEST(ConfigLoader, ReadsListenerOptions) {
  TempConfig t;
  LoadResult r = t.load(R"(
[[listen]]
address = "[::1]:8443"
backlog = 1024
reuseport = false
nodelay = false
defer_accept = "5s"
fastopen = true
keepalive = true

[[site]]
root = "www"
)");
  ASSERT_TRUE(r.ok()) << actual_errors(r)[0];
  const net::ListenOptions& o = r.config->listeners[0].options;
  EXPECT_TRUE(r.config->listeners[0].addr.is_ipv6());
  EXPECT_EQ(o.backlog, 1024);
  EXPECT_FALSE(o.reuse_port);
  EXPECT_FALSE(o.tcp_nodelay);
  EXPECT_TRUE(o.defer_accept);
  EXPECT_EQ(o.defer_accept_seconds, 5);
  EXPECT_EQ(o.fastopen_queue, 256);
  EXPECT_TRUE(o.keepalive);
}

TEST(ConfigLoader, ReadsSitesAndRoutes) {
  TempConfig t;
  LoadResult r = t.load(R"(
[[listen]]
address = "127.0.0.1:0"

[[site]]
hosts = ["Example.TEST", "*.example.test", "www.example.test."]
root = "www"
browse = true
canonical_host = "example.test"
https_redirect = true
https_port = 8443
hsts = { max_age = "8760h", include_subdomains = true }
headers = { "X-Site" = "one" }

[[site.route]]
path = "/old/"
redirect = { to = "https://example.test/new/{path}{query}", status = 301 }

[[site.route]]
path = "/api"
match = "prefix"
methods = ["GET", "POST"]
respond = { status = 202, body = "{}", content_type = "application/json" }
remove_headers = ["ETag"]

[[site.route]]
path = "/assets/"
cache_control = "public, max-age=60"
max_body_size = "1k"

[[site.route]]
path = "/moved"
redirect = "/elsewhere"
)");
  ASSERT_TRUE(r.ok()) << actual_errors(r)[0];
  const SiteConfig& s = r.config->sites[0];
  EXPECT_EQ(s.hosts,
            (std::vector<std::string>{"example.test", "*.example.test", "www.example.test"}));
  EXPECT_TRUE(s.files->browse);
  EXPECT_TRUE(s.https_redirect);
  EXPECT_EQ(s.https_port, 8443);
  EXPECT_EQ(s.hsts, "max-age=31536000; includeSubDomains");
  ASSERT_EQ(s.headers.set.size(), 1u);
  ASSERT_EQ(s.routes.size(), 4u);
  EXPECT_EQ(s.routes[0].match, http::PathMatch::kPrefix);
  const auto& redirect = std::get<RedirectConfig>(s.routes[0].handler);
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(s.routes[1].match, http::PathMatch::kPrefix);
  EXPECT_EQ(s.routes[1].methods.size(), 2u);
  EXPECT_EQ(std::get<RespondConfig>(s.routes[1].handler).status, 202);
  EXPECT_EQ(s.routes[1].headers.remove, std::vector<std::string>{"ETag"});
  EXPECT_TRUE(std::holds_alternative<std::monostate>(s.routes[2].handler));
  EXPECT_EQ(*s.routes[2].max_body_bytes, 1024u);
  EXPECT_EQ(s.routes[3].match, http::PathMatch::kExact);
  EXPECT_EQ(std::get<RedirectConfig>(s.routes[3].handler).status, 302);
}

TEST(ConfigLoader, AllowsOneRoutePerMethodOnTheSamePath) {
  TempConfig t;
  LoadResult r = t.load(std::string(kMinimal) + R"(
[[site.route]]
path = "/form"
methods = ["GET"]
respond = { body = "form" }

[[site.route]]
path = "/form"
methods = ["POST"]
respond = { status = 303, body = "" }
)");
  EXPECT_TRUE(r.ok());
}

TEST(ConfigLoader, TreatsHeadAsPartOfGetWhenDetectingConflicts) {
  TempConfig t;
  LoadResult r = t.load(std::string(kMinimal) + R"(
[[site.route]]
path = "/x"
methods = ["GET"]
respond = { body = "a" }

[[site.route]]
path = "/x"
methods = ["HEAD"]
respond = { body = "b" }
)");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors[0].message.find("both allow GET"), std::string::npos);
}

TEST(ConfigLoader, ReadsACustomAccessLogFormat) {
  TempConfig t;
  LoadResult r =
      t.load(std::string(kMinimal) +
             "\n[log]\naccess = \"-\"\nformat = \"$remote_addr ${status} $http_x_id\"\n");
  ASSERT_TRUE(r.ok()) << actual_errors(r)[0];
  EXPECT_EQ(r.config->log.access_format, AccessLogFormat::kCustom);
  EXPECT_EQ(r.config->log.access_log, "-");
}

TEST(ConfigLoader, ExampleConfigPassesCheckAndBuilds) {
  fs::path example = kSourceRoot / "examples" / "portico.toml";
  LoadResult r = load_config(example.string());
  ASSERT_TRUE(r.ok()) << actual_errors(r)[0];
  http::SiteRouter router = build_site_router(*r.config);
  EXPECT_EQ(router.site_count(), r.config->sites.size());
}

}  // namespace
}  // namespace portico::server
