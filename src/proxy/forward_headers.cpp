// Header rules of the forwarding proxy: hop-by-hop removal, forwarding fields, Host and path
// rewriting, and the upstream request head (RFC 9110 7.6, 7.8; RFC 7239).
#include "portico/proxy/forward_headers.h"

#include <algorithm>
#include <vector>

#include "http/char_class.h"

namespace portico::proxy {

namespace hd = http::detail;

namespace {

using http::iequals;

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && hd::is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && hd::is_ows(s.back())) s.remove_suffix(1);
  return s;
}

template <typename Fn>
void for_each_list_element(std::string_view list, Fn&& fn) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view element = trim_ows(list.substr(0, comma));
    if (!element.empty()) fn(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), hd::is_token_char);
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// The field names listed in a message's Connection fields (RFC 9110 7.6.1): hop-by-hop for
// this message only. A handful at most, so a vector of views into the message.
class ConnectionOptions {
 public:
  template <typename Fields>
  explicit ConnectionOptions(const Fields& fields) {
    for (const auto& f : fields) {
      if (iequals(f.name, "connection")) {
        for_each_list_element(f.value, [&](std::string_view e) { names_.push_back(e); });
      }
    }
  }
  bool names(std::string_view field) const {
    return std::any_of(names_.begin(), names_.end(),
                       [&](std::string_view n) { return iequals(n, field); });
  }

 private:
  std::vector<std::string_view> names_;
};

// The fields this proxy rewrites itself in the upstream request, never copied as sent.
enum class Forwarding { kNone, kXForwardedFor, kXForwardedProto, kXForwardedHost, kForwarded };

Forwarding forwarding_field(std::string_view name) {
  if (iequals(name, "x-forwarded-for")) return Forwarding::kXForwardedFor;
  if (iequals(name, "x-forwarded-proto")) return Forwarding::kXForwardedProto;
  if (iequals(name, "x-forwarded-host")) return Forwarding::kXForwardedHost;
  if (iequals(name, "forwarded")) return Forwarding::kForwarded;
  return Forwarding::kNone;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

// Adds `element` to a comma-separated list being built.
void append_element(std::string& list, std::string_view element) {
  if (!list.empty()) list.append(", ");
  list.append(element);
}

// RFC 9110 7.6.3: received-protocol is the version alone when the protocol is HTTP.
std::string via_element(http::Version version, std::string_view pseudonym) {
  std::string v = version == http::Version::kHttp10 ? "1.0 " : "1.1 ";
  v.append(pseudonym);
  return v;
}

// RFC 7239 6.3: obfnode = "_" 1*( ALPHA / DIGIT / "." / "_" / "-").
bool is_obfuscated_node(std::string_view s) {
  if (s.size() < 2 || s.front() != '_') return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string_view without_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host;
}

bool is_valid_forwarded_by(std::string_view node) {
  return node == "unknown" || is_obfuscated_node(node) ||
         net::InetAddress::from_host_port(without_brackets(node), 0).has_value();
}

// A configured (validated) "by=" node as it goes on the wire.
std::string configured_node(std::string_view node) {
  if (auto a = net::InetAddress::from_host_port(without_brackets(node), 0)) {
    return forwarded_node(*a);
  }
  return std::string(node);  // "unknown" or an obfuscated identifier: both tokens
}

bool is_valid_path_prefix(std::string_view p) {
  if (p.empty()) return true;
  if (p.front() != '/') return false;
  return std::all_of(p.begin(), p.end(), [](char c) { return hd::is_target_char(c) && c != '?'; });
}

bool is_valid_authority_text(std::string_view a) {
  if (a.empty()) return false;
  return std::all_of(a.begin(), a.end(), [](char c) {
    return hd::is_host_char(c) || c == ':' || c == '[' || c == ']';
  });
}

// Fields the configuration may not set: the proxy owns them.
bool is_reserved_for_proxy(std::string_view name) {
  return is_hop_by_hop_field(name) || iequals(name, "host") || iequals(name, "content-length") ||
         iequals(name, "expect");
}

}  // namespace

bool is_hop_by_hop_field(std::string_view name) {
  switch (name.size()) {
    case 2: return iequals(name, "te");
    case 7: return iequals(name, "upgrade") || iequals(name, "trailer");
    case 10: return iequals(name, "connection") || iequals(name, "keep-alive");
    case 17: return iequals(name, "transfer-encoding");
    default: break;
  }
  // Proxy-Connection (never standard, still sent), Proxy-Authorization/-Authenticate (RFC 9110
  // 11.7: they concern the next hop only) and any other Proxy-* field.
  return starts_with_ci(name, "proxy-");
}

std::string validate_forward_options(const ForwardOptions& o) {
  if (o.host_mode == HostMode::kFixed && !is_valid_authority_text(o.fixed_host)) {
    return "fixed host '" + o.fixed_host + "' is not a host[:port]";
  }
  if (!is_valid_path_prefix(o.strip_prefix)) {
    return "strip prefix '" + o.strip_prefix + "' must start with '/' and be a plain path";
  }
  if (!is_valid_path_prefix(o.add_prefix)) {
    return "path prefix '" + o.add_prefix + "' must start with '/' and be a plain path";
  }
  if (o.via && !is_token(o.via_pseudonym)) {
    return "via pseudonym '" + o.via_pseudonym + "' is not a token";
  }
  if (!o.forwarded_by.empty() && !is_valid_forwarded_by(o.forwarded_by)) {
    return "forwarded 'by' node '" + o.forwarded_by +
           "' must be an IP address, 'unknown' or an obfuscated identifier like '_proxy1'";
  }
  for (const auto& f : o.set_request_headers.fields()) {
    if (!is_token(f.name)) return "header name '" + f.name + "' is not a token";
    if (is_reserved_for_proxy(f.name)) return "header '" + f.name + "' is set by the proxy itself";
    if (!std::all_of(f.value.begin(), f.value.end(), hd::is_value_char)) {
      return "header '" + f.name + "' has a control character in its value";
    }
  }
  return {};
}

std::string rewrite_path(std::string_view path, std::string_view strip_prefix,
                         std::string_view add_prefix) {
  while (!strip_prefix.empty() && strip_prefix.back() == '/') strip_prefix.remove_suffix(1);
  while (!add_prefix.empty() && add_prefix.back() == '/') add_prefix.remove_suffix(1);
  std::string_view rest = path;
  if (!strip_prefix.empty()) {
    // Segment boundary: "/api" strips "/api" and "/api/x", never "/apix".
    const bool match = path.substr(0, strip_prefix.size()) == strip_prefix &&
                       (path.size() == strip_prefix.size() || path[strip_prefix.size()] == '/');
    if (!match) return std::string(path);
    rest = path.substr(strip_prefix.size());
  }
  std::string out;
  out.reserve(add_prefix.size() + rest.size() + 1);
  out.append(add_prefix);
  out.append(rest);
  if (out.empty()) out = "/";
  return out;
}

std::string client_address_text(const net::InetAddress& address) {
  std::string host = address.host_string();
  // A dual-stack listener sees IPv4 clients as IPv4-mapped IPv6 (RFC 4291 2.5.5.2); upstreams
  // expect the IPv4 address they would have seen directly.
  if (address.is_ipv6() && host.size() > 7 &&
      iequals(std::string_view(host).substr(0, 7), "::ffff:") &&
      host.find('.') != std::string::npos) {
    host.erase(0, 7);
  }
  return host;
}

std::string forwarded_node(const net::InetAddress& address) {
  std::string host = client_address_text(address);
  // RFC 7239 6: an IPv6 node is bracketed, and ':' and '[' are not token characters, so it
  // must be a quoted-string.
  if (host.find(':') != std::string::npos) return "\"[" + host + "]\"";
  return host;
}

void append_forwarded_value(std::string& out, std::string_view value) {
  if (is_token(value)) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

bool max_forwards_exhausted(const http::RequestHead& request) {
  if (request.method != http::Method::kTrace && request.method != http::Method::kOptions) {
    return false;
  }
  const http::HeaderView* h = request.find("max-forwards");
  return h != nullptr && h->value == "0";
}

void write_upstream_request_head(const http::RequestHead& request, const ForwardContext& context,
                                 const ForwardOptions& options, BodyFraming framing,
                                 uint64_t content_length, std::string& out) {
  const ConnectionOptions connection(request.headers);
  const bool trace_or_options =
      request.method == http::Method::kTrace || request.method == http::Method::kOptions;

  // Request line: origin-form (RFC 9112 3.2.1), or "*" for OPTIONS *.
  out.append(request.method_token);
  out.push_back(' ');
  if (request.form == http::TargetForm::kAsterisk) {
    out.push_back('*');
  } else {
    out.append(rewrite_path(request.path, options.strip_prefix, options.add_prefix));
    if (!request.query.empty()) {
      out.push_back('?');
      out.append(request.query);
    }
  }
  out.append(" HTTP/1.1\r\n");

  // RFC 9112 3.2: Host first. An HTTP/1.0 request without one gets the upstream's.
  std::string_view host;
  switch (options.host_mode) {
    case HostMode::kPass: host = request.host; break;
    case HostMode::kUpstream: host = context.upstream_authority; break;
    case HostMode::kFixed: host = options.fixed_host; break;
  }
  if (host.empty()) host = context.upstream_authority;
  append_field(out, "Host", host);

  std::string xff;
  std::string forwarded;
  std::string via;
  std::string_view xf_proto;
  std::string_view xf_host;
  for (const http::HeaderView& f : request.headers) {
    if (const Forwarding kind = forwarding_field(f.name); kind != Forwarding::kNone) {
      if (!options.trust_incoming_forwarded) continue;  // untrusted: a client's claim
      switch (kind) {
        case Forwarding::kXForwardedFor: append_element(xff, f.value); break;
        case Forwarding::kForwarded: append_element(forwarded, f.value); break;
        case Forwarding::kXForwardedProto:
          if (xf_proto.empty()) xf_proto = f.value;
          break;
        case Forwarding::kXForwardedHost:
          if (xf_host.empty()) xf_host = f.value;
          break;
        case Forwarding::kNone: break;
      }
      continue;
    }
    if (iequals(f.name, "via")) {
      append_element(via, f.value);
      continue;
    }
    if (iequals(f.name, "upgrade") && context.upgrade) {
      append_field(out, f.name, f.value);  // the tunnel's protocol (RFC 9110 7.8)
      continue;
    }
    if (is_hop_by_hop_field(f.name) || connection.names(f.name)) continue;
    // Host was written above; the body is re-framed below; the proxy answers Expect itself.
    if (iequals(f.name, "host") || iequals(f.name, "content-length") || iequals(f.name, "expect")) {
      continue;
    }
    if (options.set_request_headers.contains(f.name)) continue;
    if (!context.request_id.empty() && !options.request_id_header.empty() &&
        iequals(f.name, options.request_id_header)) {
      continue;  // replaced by the id portico logs (the same value when the client's was valid)
    }
    if (trace_or_options && iequals(f.name, "max-forwards")) {
      // RFC 9110 7.6.2: decrement; a value that is not 1*DIGIT is dropped. 0 is answered by the
      // proxy (max_forwards_exhausted) and never reaches here.
      uint64_t n = 0;
      const bool digits =
          !f.value.empty() && f.value.size() <= 18 &&
          std::all_of(f.value.begin(), f.value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) continue;
      for (char c : f.value) n = n * 10 + static_cast<uint64_t>(c - '0');
      append_field(out, f.name, std::to_string(n > 0 ? n - 1 : 0));
      continue;
    }
    append_field(out, f.name, f.value);
  }

  const std::string client = client_address_text(context.client);
  const std::string_view proto = context.client_tls ? "https" : "http";
  if (options.x_forwarded) {
    append_element(xff, client);
    append_field(out, "X-Forwarded-For", xff);
    append_field(out, "X-Forwarded-Proto", xf_proto.empty() ? proto : xf_proto);
    if (!xf_host.empty() || !request.host.empty()) {
      append_field(out, "X-Forwarded-Host", xf_host.empty() ? request.host : xf_host);
    }
  } else if (options.trust_incoming_forwarded) {
    // Not adding our own, but a trusted chain passes through intact.
    if (!xff.empty()) append_field(out, "X-Forwarded-For", xff);
    if (!xf_proto.empty()) append_field(out, "X-Forwarded-Proto", xf_proto);
    if (!xf_host.empty()) append_field(out, "X-Forwarded-Host", xf_host);
  }
  if (options.forwarded) {
    // RFC 7239 4: one forwarded-element per proxy, appended to the list.
    std::string element = "for=" + forwarded_node(context.client);
    if (!options.forwarded_by.empty()) {
      element += ";by=" + configured_node(options.forwarded_by);
    }
    if (!request.host.empty()) {
      element += ";host=";
      append_forwarded_value(element, request.host);
    }
    element += ";proto=";
    element += proto;
    append_element(forwarded, element);
  }
  if (!forwarded.empty()) append_field(out, "Forwarded", forwarded);
  if (options.via) append_element(via, via_element(request.version, options.via_pseudonym));
  if (!via.empty()) append_field(out, "Via", via);
  if (!context.request_id.empty() && !options.request_id_header.empty() &&
      !options.set_request_headers.contains(options.request_id_header)) {
    append_field(out, options.request_id_header, context.request_id);
  }
  for (const auto& f : options.set_request_headers.fields()) {
    if (!f.value.empty()) append_field(out, f.name, f.value);
  }
  if (context.upgrade) append_field(out, "Connection", "upgrade");
  switch (framing) {
    case BodyFraming::kNone: break;
    case BodyFraming::kContentLength:
      append_field(out, "Content-Length", std::to_string(content_length));
      break;
    case BodyFraming::kChunked: append_field(out, "Transfer-Encoding", "chunked"); break;
  }
  out.append("\r\n");
}

void copy_response_headers(const ResponseHead& response, const ForwardOptions& options,
                           bool upgrade, http::Headers& out) {
  out.clear();
  const ConnectionOptions connection(response.headers);
  const bool tunnel = upgrade && response.status == 101;
  std::string via;
  for (const http::HeaderView& f : response.headers) {
    if (iequals(f.name, "via")) {
      append_element(via, f.value);
      continue;
    }
    if (tunnel && iequals(f.name, "upgrade")) {
      out.add(f.name, f.value);
      continue;
    }
    // Content-Length stays even if Connection names it: the body was framed by it, and the
    // client needs the same length (or, for HEAD and 304, the representation's).
    if (is_hop_by_hop_field(f.name) ||
        (connection.names(f.name) && !iequals(f.name, "content-length"))) {
      continue;
    }
    out.add(f.name, f.value);
  }
  if (options.via) append_element(via, via_element(response.version, options.via_pseudonym));
  if (!via.empty()) out.add("Via", via);
  if (tunnel) out.add("Connection", "upgrade");
}

}  // namespace portico::proxy
