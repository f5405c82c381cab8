// Tests for the forwarding header rules: hop-by-hop removal (including fields named in
// Connection), X-Forwarded-*, RFC 7239 Forwarded, Via, Host modes, path rewriting, Max-Forwards,
// framing, and that every upstream head written parses back as a valid request.
#include "portico/proxy/forward_headers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portico::proxy {
namespace {

using http::Method;

// A parsed client request, kept alive with its bytes.
struct ClientRequest {
  std::string bytes;
  http::RequestHead head;
};

ClientRequest client_request(std::string head_text) {
  ClientRequest r{std::move(head_text), {}};
  http::HeadScanState st;
  const auto res = http::parse_request_head(r.bytes, http::RequestLimits{}, st, r.head);
  EXPECT_EQ(res.status, http::ParseStatus::kComplete) << http::to_string(res.error);
  return r;
}

ForwardContext context(std::string_view client = "192.0.2.10", bool tls = false) {
  ForwardContext c;
  c.client = *net::InetAddress::from_host_port(client, 0);
  c.client_tls = tls;
  c.upstream_authority = "10.0.0.1:9000";
  return c;
}

// The upstream head, parsed back (it must be a valid HTTP/1.1 request).
struct Upstream {
  std::string bytes;
  http::RequestHead head;
  std::vector<std::string> values(std::string_view name) const {
    std::vector<std::string> v;
    for (const auto& f : head.headers) {
      if (http::iequals(f.name, name)) v.emplace_back(f.value);
    }
    return v;
  }
  std::string one(std::string_view name) const {
    const auto v = values(name);
    EXPECT_LE(v.size(), 1u) << name;
    return v.empty() ? "<none>" : v[0];
  }
};

Upstream forward(const ClientRequest& req, const ForwardContext& ctx, const ForwardOptions& opts,
                 BodyFraming framing = BodyFraming::kNone, uint64_t length = 0) {
  Upstream u;
  write_upstream_request_head(req.head, ctx, opts, framing, length, u.bytes);
  http::HeadScanState st;
  http::RequestLimits limits;
  limits.max_body_bytes = UINT64_MAX;
  const auto res = http::parse_request_head(u.bytes, limits, st, u.head);
  EXPECT_EQ(res.status, http::ParseStatus::kComplete) << http::to_string(res.error) << "\n"
                                                      << u.bytes;
  EXPECT_EQ(u.head.head_bytes, u.bytes.size());
  return u;
}

TEST(ForwardHeadersTest, WritesAnHttp11RequestWithHostFirstAndFieldsInOrder) {
  const auto req = client_request(
      "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nX-B: 2\r\nX-A: 1\r\n\r\n");
  const Upstream u = forward(req, context(), ForwardOptions{});
  EXPECT_EQ(u.head.method, Method::kGet);
  EXPECT_EQ(u.head.target, "/a/b?x=1&y=2");
  EXPECT_EQ(u.head.version, http::Version::kHttp11);
  ASSERT_GE(u.head.headers.size(), 4u);
  EXPECT_EQ(u.head.headers[0].name, "Host");
  EXPECT_EQ(u.head.headers[0].value, "example.com");
  EXPECT_EQ(u.head.headers[1].name, "Accept");
  EXPECT_EQ(u.head.headers[2].name, "X-B");
  EXPECT_EQ(u.head.headers[3].name, "X-A");
}

TEST(ForwardHeadersTest, PassesTheRequestIdUpstreamInPlaceOfTheClients) {
  const auto req =
      client_request("GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: client-id\r\nX-Kept: k\r\n\r\n");
  ForwardContext ctx = context();
  ctx.request_id = "5f0c9a2e-1b-3";
  EXPECT_EQ(forward(req, ctx, ForwardOptions{}).one("X-Request-Id"), "5f0c9a2e-1b-3");
  ForwardOptions renamed;
  renamed.request_id_header = "X-Trace";
  const Upstream u = forward(req, ctx, renamed);
  EXPECT_EQ(u.one("X-Trace"), "5f0c9a2e-1b-3");
  EXPECT_EQ(u.one("X-Request-Id"), "client-id");  // an ordinary field now
  ForwardOptions off;
  off.request_id_header.clear();
  EXPECT_EQ(forward(req, ctx, off).one("X-Request-Id"), "client-id");
  // Without an id (the forward proxy sends none to origins) the client's field passes as is.
  EXPECT_EQ(forward(req, context(), ForwardOptions{}).one("X-Request-Id"), "client-id");
}

TEST(ForwardHeadersTest, RemovesHopByHopFieldsAndThoseNamedInConnection) {
  const auto req = client_request(
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret, x-other\r\n"
      "Keep-Alive: timeout=5\r\nTE: trailers\r\nTrailer: X-T\r\nUpgrade: websocket\r\n"
      "Proxy-Authorization: Basic abc\r\nProxy-Connection: keep-alive\r\nX-Secret: s\r\n"
      "X-Other: o\r\nX-Kept: k\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  const Upstream u = forward(req, context(), ForwardOptions{}, BodyFraming::kContentLength, 5);
  for (const char* gone :
       {"Connection", "Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Authorization",
        "Proxy-Connection", "X-Secret", "X-Other", "Expect"}) {
    EXPECT_TRUE(u.values(gone).empty()) << gone;
  }
  EXPECT_EQ(u.one("X-Kept"), "k");
  EXPECT_EQ(u.one("Content-Length"), "5");
  EXPECT_FALSE(u.head.upgrade);
}

TEST(ForwardHeadersTest, IsHopByHopFieldKnowsTheList) {
  for (const char* h :
       {"Connection", "keep-alive", "TE", "Trailer", "Transfer-Encoding", "UPGRADE",
        "Proxy-Authenticate", "proxy-authorization", "Proxy-Connection", "Proxy-Anything"}) {
    EXPECT_TRUE(is_hop_by_hop_field(h)) << h;
  }
  for (const char* h :
       {"Host", "Content-Length", "Trailers", "Te2", "X-Proxy-Id", "Proxy", "Cookie", "Via"}) {
    EXPECT_FALSE(is_hop_by_hop_field(h)) << h;
  }
}

TEST(ForwardHeadersTest, ReFramesTheBody) {
  const auto chunked =
      client_request("POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  Upstream u = forward(chunked, context(), ForwardOptions{}, BodyFraming::kChunked);
  EXPECT_EQ(u.head.body, http::BodyKind::kChunked);
  EXPECT_EQ(u.values("Transfer-Encoding").size(), 1u);
  EXPECT_TRUE(u.values("Content-Length").empty());
  // A chunked request may be sent on with a length once the proxy has buffered it.
  u = forward(chunked, context(), ForwardOptions{}, BodyFraming::kContentLength, 1234);
  EXPECT_EQ(u.head.body, http::BodyKind::kContentLength);
  EXPECT_EQ(u.head.content_length, 1234u);
  EXPECT_TRUE(u.values("Transfer-Encoding").empty());
  const auto none = client_request("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  u = forward(none, context(), ForwardOptions{}, BodyFraming::kNone);
  EXPECT_TRUE(u.values("Content-Length").empty());
  EXPECT_EQ(u.head.body, http::BodyKind::kNone);
}

TEST(ForwardHeadersTest, AddsXForwardedFieldsAndDropsUntrustedOnes) {
  const auto req = client_request(
      "GET / HTTP/1.1\r\nHost: shop.example:8443\r\nX-Forwarded-For: 6.6.6.6\r\n"
      "X-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\nForwarded: for=6.6.6.6\r\n\r\n");
  const Upstream u = forward(req, context("192.0.2.10", false), ForwardOptions{});
  EXPECT_EQ(u.one("X-Forwarded-For"), "192.0.2.10");
  EXPECT_EQ(u.one("X-Forwarded-Proto"), "http");
  EXPECT_EQ(u.one("X-Forwarded-Host"), "shop.example:8443");
  EXPECT_EQ(u.one("Forwarded"), "for=192.0.2.10;host=\"shop.example:8443\";proto=http");
}

TEST(ForwardHeadersTest, AppendsToTrustedForwardingFields) {
  const auto req = client_request(
      "GET / HTTP/1.1\r\nHost: h.example\r\nX-Forwarded-For: 203.0.113.1\r\n"
      "X-Forwarded-For: 198.51.100.2, 198.51.100.3\r\nX-Forwarded-Proto: https\r\n"
      "X-Forwarded-Host: front.example\r\nForwarded: for=203.0.113.1;proto=https\r\n\r\n");
  ForwardOptions o;
  o.trust_incoming_forwarded = true;
  const Upstream u = forward(req, context("192.0.2.10"), o);
  EXPECT_EQ(u.one("X-Forwarded-For"), "203.0.113.1, 198.51.100.2, 198.51.100.3, 192.0.2.10");
  EXPECT_EQ(u.one("X-Forwarded-Proto"), "https");  // the first proxy saw TLS
  EXPECT_EQ(u.one("X-Forwarded-Host"), "front.example");
  EXPECT_EQ(u.one("Forwarded"),
            "for=203.0.113.1;proto=https, for=192.0.2.10;host=h.example;proto=http");
}

TEST(ForwardHeadersTest, TrustedFieldsPassThroughWhenNotAddingOurOwn) {
  const auto req = client_request(
      "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.1\r\nForwarded: for=a\r\n\r\n");
  ForwardOptions o;
  o.trust_incoming_forwarded = true;
  o.x_forwarded = false;
  o.forwarded = false;
  const Upstream u = forward(req, context(), o);
  EXPECT_EQ(u.one("X-Forwarded-For"), "203.0.113.1");
  EXPECT_EQ(u.one("Forwarded"), "for=a");
  EXPECT_EQ(u.one("X-Forwarded-Proto"), "<none>");
}

TEST(ForwardHeadersTest, DisabledForwardingFieldsAreNeitherAddedNorPassed) {
  const auto req = client_request("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n");
  ForwardOptions o;
  o.x_forwarded = false;
  o.forwarded = false;
  o.via = false;
  const Upstream u = forward(req, context(), o);
  for (const char* gone :
       {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded", "Via"}) {
    EXPECT_TRUE(u.values(gone).empty()) << gone;
  }
}

TEST(ForwardHeadersTest, QuotesIpv6NodesInForwardedButNotInXForwardedFor) {
  const auto req = client_request("GET / HTTP/1.1\r\nHost: [2001:db8::2]:8080\r\n\r\n");
  const Upstream u = forward(req, context("2001:db8:cafe::17", true), ForwardOptions{});
  EXPECT_EQ(u.one("X-Forwarded-For"), "2001:db8:cafe::17");
  EXPECT_EQ(u.one("X-Forwarded-Proto"), "https");
  EXPECT_EQ(u.one("Forwarded"),
            "for=\"[2001:db8:cafe::17]\";host=\"[2001:db8::2]:8080\";proto=https");
}

TEST(ForwardHeadersTest, ShowsIpv4MappedClientsAsIpv4) {
  const auto req = client_request("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  const Upstream u = forward(req, context("::ffff:192.0.2.33"), ForwardOptions{});
  EXPECT_EQ(u.one("X-Forwarded-For"), "192.0.2.33");
  EXPECT_EQ(u.one("Forwarded"), "for=192.0.2.33;host=h;proto=http");
  EXPECT_EQ(client_address_text(*net::InetAddress::from_host_port("::ffff:10.0.0.1", 0)),
            "10.0.0.1");
  EXPECT_EQ(client_address_text(*net::InetAddress::from_host_port("::ffff:a:b", 0)), "0.10.0.11");
  EXPECT_EQ(client_address_text(*net::InetAddress::from_host_port("::fffe:a:b", 0)), "::fffe:a:b");
  EXPECT_EQ(client_address_text(*net::InetAddress::from_host_port("::1", 0)), "::1");
}

TEST(ForwardHeadersTest, AddsTheConfiguredByNode) {
  const auto req = client_request("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ForwardOptions o;
  o.forwarded_by = "_edge-1.a";
  EXPECT_EQ(forward(req, context(), o).one("Forwarded"),
            "for=192.0.2.10;by=_edge-1.a;host=h;proto=http");
  o.forwarded_by = "2001:db8::9";
  EXPECT_EQ(forward(req, context(), o).one("Forwarded"),
            "for=192.0.2.10;by=\"[2001:db8::9]\";host=h;proto=http");
  o.forwarded_by = "unknown";
  EXPECT_EQ(forward(req, context(), o).one("Forwarded"),
            "for=192.0.2.10;by=unknown;host=h;proto=http");
}

TEST(ForwardHeadersTest, ForwardedValuesAreTokensOrQuotedStrings) {
  std::string s;
  append_forwarded_value(s, "example.com");
  EXPECT_EQ(s, "example.com");
  s.clear();
  append_forwarded_value(s, "a:1");
  EXPECT_EQ(s, "\"a:1\"");
  s.clear();
  append_forwarded_value(s, "q\"b\\s");
  EXPECT_EQ(s, "\"q\\\"b\\\\s\"");
  s.clear();
  append_forwarded_value(s, "");
  EXPECT_EQ(s, "\"\"");
  EXPECT_EQ(forwarded_node(*net::InetAddress::from_host_port("::1", 0)), "\"[::1]\"");
  EXPECT_EQ(forwarded_node(*net::InetAddress::from_host_port("10.1.2.3", 0)), "10.1.2.3");
}

TEST(ForwardHeadersTest, AppendsViaWithTheReceivedVersionAndPseudonym) {
  auto req = client_request("GET / HTTP/1.0\r\nHost: h\r\nVia: 1.1 cdn, 1.0 lb\r\n\r\n");
  EXPECT_EQ(forward(req, context(), ForwardOptions{}).one("Via"), "1.1 cdn, 1.0 lb, 1.0 portico");
  req = client_request("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ForwardOptions o;
  o.via_pseudonym = "edge7";
  EXPECT_EQ(forward(req, context(), o).one("Via"), "1.1 edge7");
}

TEST(ForwardHeadersTest, HostIsPassedRewrittenOrFixed) {
  const auto req = client_request("GET / HTTP/1.1\r\nHost: www.example\r\n\r\n");
  ForwardOptions o;
  EXPECT_EQ(forward(req, context(), o).head.host, "www.example");
  o.host_mode = HostMode::kUpstream;
  EXPECT_EQ(forward(req, context(), o).head.host, "10.0.0.1:9000");
  o.host_mode = HostMode::kFixed;
  o.fixed_host = "internal.example";
  const Upstream u = forward(req, context(), o);
  EXPECT_EQ(u.head.host, "internal.example");
  EXPECT_EQ(u.values("Host").size(), 1u);
  // X-Forwarded-Host still says what the client asked for.
  EXPECT_EQ(u.one("X-Forwarded-Host"), "www.example");
}

TEST(ForwardHeadersTest, Http10WithoutHostGetsTheUpstreamAuthority) {
  const auto req = client_request("GET /x HTTP/1.0\r\n\r\n");
  const Upstream u = forward(req, context(), ForwardOptions{});
  EXPECT_EQ(u.head.host, "10.0.0.1:9000");
  EXPECT_EQ(u.one("X-Forwarded-Host"), "<none>");
  EXPECT_EQ(u.one("Forwarded"), "for=192.0.2.10;proto=http");
}

TEST(ForwardHeadersTest, AbsoluteFormIsSentInOriginForm) {
  const auto req =
      client_request("GET http://www.example:81/p?q=1 HTTP/1.1\r\nHost: ignored\r\n\r\n");
  const Upstream u = forward(req, context(), ForwardOptions{});
  EXPECT_EQ(u.head.target, "/p?q=1");
  EXPECT_EQ(u.head.host, "www.example:81");
}

TEST(ForwardHeadersTest, AsteriskFormStaysAsterisk) {
  const auto req = client_request("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(forward(req, context(), ForwardOptions{}).head.target, "*");
}

TEST(ForwardHeadersTest, RewritesThePathPrefixAtASegmentBoundary) {
  EXPECT_EQ(rewrite_path("/api/users", "/api", ""), "/users");
  EXPECT_EQ(rewrite_path("/api", "/api", ""), "/");
  EXPECT_EQ(rewrite_path("/api/", "/api", ""), "/");
  EXPECT_EQ(rewrite_path("/apix/y", "/api", ""), "/apix/y");
  EXPECT_EQ(rewrite_path("/other", "/api", "/v2"), "/other");  // no match: untouched
  EXPECT_EQ(rewrite_path("/api/x", "/api/", ""), "/x");        // trailing '/' ignored
  EXPECT_EQ(rewrite_path("/api/x", "/api", "/v2"), "/v2/x");
  EXPECT_EQ(rewrite_path("/api", "/api", "/v2/"), "/v2");
  EXPECT_EQ(rewrite_path("/x", "", "/base"), "/base/x");
  EXPECT_EQ(rewrite_path("/x", "", ""), "/x");
  EXPECT_EQ(rewrite_path("/x", "/", ""), "/x");
  EXPECT_EQ(rewrite_path("/%61pi/x", "/api", ""), "/%61pi/x");  // encoded bytes are not decoded
  const auto req = client_request("GET /api/items?page=2 HTTP/1.1\r\nHost: h\r\n\r\n");
  ForwardOptions o;
  o.strip_prefix = "/api";
  o.add_prefix = "/internal";
  EXPECT_EQ(forward(req, context(), o).head.target, "/internal/items?page=2");
}

TEST(ForwardHeadersTest, TunnelledUpgradeKeepsUpgradeAndSaysConnectionUpgrade) {
  const auto req = client_request(
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  ForwardContext ctx = context();
  ctx.upgrade = true;
  const Upstream u = forward(req, ctx, ForwardOptions{});
  EXPECT_EQ(u.one("Upgrade"), "websocket");
  EXPECT_EQ(u.one("Connection"), "upgrade");
  EXPECT_TRUE(u.head.upgrade);
  EXPECT_EQ(u.one("Sec-WebSocket-Key"), "dGhlIHNhbXBsZSBub25jZQ==");
}

TEST(ForwardHeadersTest, MaxForwardsIsDecrementedForTraceAndOptionsOnly) {
  auto req = client_request("OPTIONS /x HTTP/1.1\r\nHost: h\r\nMax-Forwards: 5\r\n\r\n");
  EXPECT_FALSE(max_forwards_exhausted(req.head));
  EXPECT_EQ(forward(req, context(), ForwardOptions{}).one("Max-Forwards"), "4");
  req = client_request("TRACE /x HTTP/1.1\r\nHost: h\r\nMax-Forwards: 0\r\n\r\n");
  EXPECT_TRUE(max_forwards_exhausted(req.head));
  req = client_request("OPTIONS /x HTTP/1.1\r\nHost: h\r\nMax-Forwards: -1\r\n\r\n");
  EXPECT_EQ(forward(req, context(), ForwardOptions{}).one("Max-Forwards"), "<none>");
  req = client_request("GET /x HTTP/1.1\r\nHost: h\r\nMax-Forwards: 0\r\n\r\n");
  EXPECT_FALSE(max_forwards_exhausted(req.head));
  EXPECT_EQ(forward(req, context(), ForwardOptions{}).one("Max-Forwards"), "0");
}

TEST(ForwardHeadersTest, ConfiguredFieldsReplaceOrRemoveTheClients) {
  const auto req = client_request(
      "GET / HTTP/1.1\r\nHost: h\r\nX-Env: client\r\nX-Drop: d\r\nX-Keep: k\r\n\r\n");
  ForwardOptions o;
  o.set_request_headers.add("X-Env", "prod");
  o.set_request_headers.add("X-Drop", "");
  o.set_request_headers.add("X-New", "1");
  ASSERT_EQ(validate_forward_options(o), "");
  const Upstream u = forward(req, context(), o);
  EXPECT_EQ(u.one("X-Env"), "prod");
  EXPECT_EQ(u.one("X-Drop"), "<none>");
  EXPECT_EQ(u.one("X-New"), "1");
  EXPECT_EQ(u.one("X-Keep"), "k");
}

TEST(ForwardHeadersTest, ValidatesOptions) {
  EXPECT_EQ(validate_forward_options(ForwardOptions{}), "");
  auto invalid = [](auto change) {
    ForwardOptions o;
    change(o);
    return !validate_forward_options(o).empty();
  };
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.host_mode = HostMode::kFixed; }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) {
    o.host_mode = HostMode::kFixed;
    o.fixed_host = "a b";
  }));
  EXPECT_FALSE(invalid([](ForwardOptions& o) {
    o.host_mode = HostMode::kFixed;
    o.fixed_host = "[::1]:80";
  }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.strip_prefix = "api"; }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.add_prefix = "/a?b"; }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.add_prefix = "/a b"; }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.via_pseudonym = "two words"; }));
  EXPECT_FALSE(invalid([](ForwardOptions& o) {
    o.via = false;
    o.via_pseudonym = "";
  }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.forwarded_by = "proxy1"; }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.forwarded_by = "_"; }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.forwarded_by = "_a b"; }));
  EXPECT_FALSE(invalid([](ForwardOptions& o) { o.forwarded_by = "[2001:db8::1]"; }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.set_request_headers.add("Host", "x"); }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.set_request_headers.add("Connection", "x"); }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.set_request_headers.add("Bad Name", "x"); }));
  EXPECT_TRUE(invalid([](ForwardOptions& o) { o.set_request_headers.add("X-A", "a\r\nB: c"); }));
}

// --- the response direction --------------------------------------------------------------------

struct UpstreamResponse {
  std::string bytes;
  ResponseHead head;
};

UpstreamResponse upstream_response(std::string text, Method m = Method::kGet) {
  UpstreamResponse r{std::move(text), {}};
  http::HeadScanState st;
  const auto res = parse_response_head(r.bytes, m, ResponseLimits{}, st, r.head);
  EXPECT_EQ(res.status, http::ParseStatus::kComplete) << to_string(res.error);
  return r;
}

std::string names(const http::Headers& h) {
  std::string s;
  for (const auto& f : h.fields()) s += f.name + "=" + f.value + "|";
  return s;
}

TEST(ForwardHeadersTest, ResponseLosesHopByHopFieldsAndGainsVia) {
  const auto r = upstream_response(
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: keep-alive, X-Internal\r\n"
      "Keep-Alive: timeout=4\r\nX-Internal: 1\r\nTransfer-Encoding: chunked\r\n"
      "Proxy-Authenticate: Basic\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nVia: 1.0 app\r\n\r\n");
  http::Headers out;
  out.add("Stale", "x");  // cleared first
  copy_response_headers(r.head, ForwardOptions{}, false, out);
  EXPECT_EQ(names(out),
            "Content-Type=text/html|Set-Cookie=a=1|Set-Cookie=b=2|Via=1.0 app, 1.1 portico|");
}

TEST(ForwardHeadersTest, ResponseKeepsContentLengthEvenIfConnectionNamesIt) {
  const auto r = upstream_response(
      "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: Content-Length\r\n\r\n");
  http::Headers out;
  copy_response_headers(r.head, ForwardOptions{}, false, out);
  EXPECT_EQ(names(out), "Content-Length=3|Via=1.0 portico|");
}

TEST(ForwardHeadersTest, SwitchingProtocolsKeepsUpgradeOnlyWhenTunnelling) {
  const auto r = upstream_response(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  http::Headers out;
  ForwardOptions o;
  o.via = false;
  copy_response_headers(r.head, o, true, out);
  EXPECT_EQ(names(out),
            "Upgrade=websocket|Sec-WebSocket-Accept=s3pPLMBiTxaQ9kYGzzhZRbK+xOo=|"
            "Connection=upgrade|");
  copy_response_headers(r.head, o, false, out);
  EXPECT_EQ(names(out), "Sec-WebSocket-Accept=s3pPLMBiTxaQ9kYGzzhZRbK+xOo=|");
}

}  // namespace
}  // namespace portico::proxy
