// libFuzzer target for the Cookie parser and the Set-Cookie builder. Beyond "no crash": every
// kept cookie is a view inside the input with a token name and a value free of controls, ';' and
// '"'; names are unique; the limits hold; and whatever the builder accepts is one field line
// that parses back to the same name and value.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/cookie.h"

namespace {

using namespace portico::http;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const CookieLimits limits{.max_cookies = 16, .max_pairs = 64};
  std::vector<CookieView> out;
  const size_t n = parse_cookie_header(in, out, limits);
  check(n == out.size(), "count returned equals cookies appended");
  check(out.size() <= limits.max_cookies, "max_cookies");
  for (size_t i = 0; i < out.size(); ++i) {
    const auto& c = out[i];
    check(inside(c.name, in) && inside(c.value, in), "views point into the input");
    check(is_valid_cookie_name(c.name), "name is a token");
    for (char ch : c.value) {
      const auto u = static_cast<unsigned char>(ch);
      check(u >= 0x20 && u != 0x7f && ch != ';' && ch != '"', "value bytes");
    }
    for (size_t j = 0; j < i; ++j) check(out[j].name != c.name, "names are unique");
  }

  // Builder: split the input into a name and a value at the first NUL.
  const size_t cut = in.find('\0');
  SetCookie sc;
  sc.name = std::string(in.substr(0, cut));
  sc.value = cut == std::string_view::npos ? std::string() : std::string(in.substr(cut + 1));
  if (auto line = format_set_cookie(sc, size % 2 == 0)) {
    check(std::none_of(line->begin(), line->end(),
                       [](char ch) { return ch == '\r' || ch == '\n' || ch == '\0'; }),
          "a Set-Cookie value is one line");
    std::vector<CookieView> back;
    const std::string pair = line->substr(0, line->find(';'));  // the views point into it
    parse_cookie_header(pair, back);
    check(back.size() == 1 && back[0].name == sc.name, "built cookie parses back (name)");
    std::string_view v = sc.value;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    check(back[0].value == v, "built cookie parses back (value)");
  }
  return 0;
}
