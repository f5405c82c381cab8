// libFuzzer target: hostile conditional headers (dates, entity-tag lists, If-Range) never crash
// and parsed dates round-trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "portico/http/conditional.h"
#include "portico/http/etag.h"
#include "portico/http/http_date.h"

using namespace portico::http;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  constexpr time_t kNow = 1700000000;

  if (auto t = parse_http_date(in, kNow)) {
    // Whatever format it came in, its IMF-fixdate form parses back to the same instant.
    check(parse_http_date(format_http_date(*t).view(), kNow) == t);
  }

  EntityTagList list = parse_entity_tag_list(in);
  for (const EntityTag& tag : list.tags) {
    check(tag.opaque.size() >= 2 && tag.opaque.front() == '"' && tag.opaque.back() == '"');
    check(etag_list_matches(in, tag.opaque, EtagComparison::kWeak));
  }

  Validators v;
  v.etag = "\"abc\"";
  v.last_modified = kNow - 100;
  v.now = kNow;
  ConditionalFields f{.if_match = in,
                      .if_none_match = in,
                      .if_modified_since = in,
                      .if_unmodified_since = in,
                      .if_range = in};
  (void)evaluate_preconditions(Method::kGet, f, v);
  (void)evaluate_preconditions(Method::kPut, ConditionalFields{.if_none_match = in}, v);
  (void)if_range_allows_range(in, v);
  return 0;
}
