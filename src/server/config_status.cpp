// The [status] table: where the status page is mounted and who may see it.
#include "portico/net/cidr.h"
#include "server/config_sections.h"
#include "server/status_service.h"

namespace portico::server {

const TableSchema kStatusSchema{"[status]", {"path", "allow"}};

void load_status(const toml::table& t, LoadContext& ctx, StatusSettings& out) {
  TableReader r(t, kStatusSchema, ctx.errors, ctx.schemas);
  out.pos = r.pos();
  if (auto v = r.string("path")) {
    std::string why;
    out.path = StatusService::normalize_path(*v, &why);
    if (out.path.empty()) r.error("path", why);
  } else if (!r.has("path")) {
    r.error_at(r.pos(), "[status] needs a 'path', e.g. path = \"/_portico\"");
  }
  if (auto v = r.string_list("allow")) {
    std::string why;
    if (v->empty()) {
      r.error("allow",
              "'allow' is empty: nobody could see the status page (leave it out for "
              "loopback only)");
    } else if (!net::NetworkSet::parse(*v, &why)) {
      r.error("allow", "allow " + why);
    } else {
      out.allow = std::move(*v);
    }
  }
  r.finish();
}

}  // namespace portico::server
