// The Basic-auth user file: `user:$pbkdf2-sha256$ITER$SALT$HASH` lines, loaded once, verified in
// constant time whether or not the user exists.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "http/base64.h"
#include "http/char_class.h"
#include "http/crypto.h"
#include "http/utf8.h"
#include "portico/http/basic_auth.h"

namespace portico::http {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kSaltBytes = 16;
constexpr size_t kMinSaltBytes = 8;               // RFC 8018 4.1: at least eight octets
constexpr uint32_t kMaxIterations = 100'000'000;  // bounds the work one line can demand
constexpr size_t kMaxFileBytes = 64u << 20;

std::atomic<uint64_t> next_generation{1};

struct ParsedHash {
  uint32_t iterations = 0;
  std::string salt;
  std::string digest;
};

bool fail(std::string* why, std::string message) {
  if (why) *why = std::move(message);
  return false;
}

// "$pbkdf2-sha256$ITER$SALT$HASH" -> parts. `why` explains a refusal.
bool parse_hash(std::string_view hash, ParsedHash& out, std::string* why) {
  if (hash.empty()) return fail(why, "empty password hash");
  if (hash.front() != '$') {
    return fail(why, "plain-text password refused; store a hash made by 'portico passwd'");
  }
  // Fields after the leading '$': scheme, iterations, salt, digest (a fifth means junk).
  std::string_view parts[5];
  size_t n = 0;
  std::string_view rest = hash.substr(1);
  while (n < 5) {
    const size_t d = rest.find('$');
    parts[n++] = rest.substr(0, d);
    if (d == std::string_view::npos) break;
    rest = rest.substr(d + 1);
  }
  if (parts[0] != kScheme) {
    return fail(why, "unsupported password hash scheme '" + std::string(parts[0].substr(0, 32)) +
                         "' (portico reads $pbkdf2-sha256$, written by 'portico passwd')");
  }
  if (n != 4) return fail(why, "malformed hash: expected $pbkdf2-sha256$ITERATIONS$SALT$HASH");
  uint32_t iterations = 0;
  const auto [end, ec] =
      std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
  if (ec != std::errc() || end != parts[1].data() + parts[1].size() || parts[1].empty()) {
    return fail(why, "malformed hash: iteration count is not a number");
  }
  if (iterations < kPbkdf2MinIterations) {
    return fail(why, "hash has " + std::to_string(iterations) + " iterations, fewer than " +
                         std::to_string(kPbkdf2MinIterations) + "; re-run 'portico passwd'");
  }
  if (iterations > kMaxIterations) return fail(why, "hash iteration count is too large");
  auto salt = base64_decode(parts[2], Base64Alphabet::kStandard);
  if (!salt || salt->size() < kMinSaltBytes) return fail(why, "malformed hash: bad salt");
  auto digest = base64_decode(parts[3], Base64Alphabet::kStandard);
  if (!digest || digest->size() != crypto::kSha256Bytes) {
    return fail(why, "malformed hash: bad digest");
  }
  out.iterations = iterations;
  out.salt = std::move(*salt);
  out.digest = std::move(*digest);
  return true;
}

std::string make_hash(uint32_t iterations, std::string_view salt, std::string_view digest) {
  std::string h = "$";
  h.append(kScheme).append("$").append(std::to_string(iterations)).append("$");
  h.append(base64_encode(salt, Base64Alphabet::kStandard)).append("$");
  h.append(base64_encode(digest, Base64Alphabet::kStandard));
  return h;
}

}  // namespace

bool UserFile::is_valid_hash(std::string_view hash, std::string* why) {
  ParsedHash parsed;
  return parse_hash(hash, parsed, why);
}

bool UserFile::is_valid_user_name(std::string_view user, std::string* why) {
  if (user.empty()) return fail(why, "user name is empty");
  if (user.size() > 255) return fail(why, "user name is longer than 255 bytes");
  if (user.find(':') != std::string_view::npos) {
    return fail(why, "user name contains ':' (RFC 7617 2 forbids it)");
  }
  if (std::any_of(user.begin(), user.end(),
                  [](char c) { return c == '\t' || detail::is_ctl(c); })) {
    return fail(why, "user name contains a control character");
  }
  if (!is_valid_utf8(user)) return fail(why, "user name is not valid UTF-8");
  if (user.front() == '#' || detail::is_ows(user.front()) || detail::is_ows(user.back())) {
    return fail(why, "user name starts with '#' or starts or ends with a space");
  }
  return true;
}

std::string UserFile::hash_password(std::string_view password, uint32_t iterations) {
  const std::string salt = crypto::random_string(kSaltBytes);
  if (salt.empty()) return {};
  crypto::Sha256Digest digest{};
  if (!crypto::pbkdf2_sha256(password, salt, iterations, digest.data(), digest.size())) return {};
  return make_hash(iterations, salt,
                   std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::optional<UserFile> UserFile::parse(std::string_view text, std::string_view name,
                                        std::string* error) {
  UserFile file;
  std::unordered_set<std::string_view> seen;  // views into `text`
  size_t line_no = 0;
  const auto at = [&](const std::string& what) {
    if (error) *error = std::string(name) + ":" + std::to_string(line_no) + ": " + what;
    return std::nullopt;
  };
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view trimmed = line;
    while (!trimmed.empty() && detail::is_ows(trimmed.front())) trimmed.remove_prefix(1);
    if (trimmed.empty() || trimmed.front() == '#') continue;

    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return at("expected 'user:hash'");
    const std::string_view user = line.substr(0, colon);
    const std::string_view hash = line.substr(colon + 1);
    std::string why;
    if (!is_valid_user_name(user, &why)) return at(why);
    if (!is_valid_hash(hash, &why)) return at("user '" + std::string(user) + "': " + why);
    if (!seen.insert(user).second) return at("user '" + std::string(user) + "' appears twice");
    file.entries_.push_back({std::string(user), std::string(hash)});
  }
  file.generation_ = next_generation.fetch_add(1, std::memory_order_relaxed);
  return file;
}

std::optional<UserFile> UserFile::load(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  struct stat st {};
  if (!in || ::stat(path.c_str(), &st) != 0) {
    if (error) *error = path + ": cannot open user file";
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    if (error) *error = path + ": not a regular file";
    return std::nullopt;
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes) {
    if (error) *error = path + ": user file larger than 64 MiB";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    if (error) *error = path + ": read error";
    return std::nullopt;
  }
  return parse(text.str(), path, error);
}

const UserFile::Entry* UserFile::find(std::string_view user) const {
  // Looks at every entry (no early exit), so the time does not depend on where the user is.
  const Entry* found = nullptr;
  for (const auto& e : entries_) {
    if (e.user == user && !found) found = &e;
  }
  return found;
}

bool UserFile::verify(std::string_view user, std::string_view password) const {
  const Entry* entry = find(user);
  ParsedHash parsed;
  if (!entry || !parse_hash(entry->hash, parsed, nullptr)) {
    // Unknown user: spend the same work as for a known one (the first entry's work factor, or
    // the default), so response time does not tell which names exist.
    const ParsedHash* model = nullptr;
    if (!entries_.empty() && parse_hash(entries_.front().hash, parsed, nullptr)) model = &parsed;
    parsed.iterations = model ? parsed.iterations : kPbkdf2DefaultIterations;
    parsed.salt.assign(kSaltBytes, '\x5a');
    parsed.digest.assign(crypto::kSha256Bytes, '\0');
  }
  crypto::Sha256Digest derived{};
  const bool ok = crypto::pbkdf2_sha256(password, parsed.salt, parsed.iterations, derived.data(),
                                        derived.size());
  const bool match = crypto::constant_time_equal(
      std::string_view(reinterpret_cast<const char*>(derived.data()), derived.size()),
      parsed.digest);
  crypto::wipe(derived.data(), derived.size());
  return ok && match && entry != nullptr;
}

void UserFile::set(std::string user, std::string hash) {
  for (auto& e : entries_) {
    if (e.user == user) {
      e.hash = std::move(hash);
      generation_ = next_generation.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  entries_.push_back({std::move(user), std::move(hash)});
  generation_ = next_generation.fetch_add(1, std::memory_order_relaxed);
}

bool UserFile::erase(std::string_view user) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [user](const Entry& e) { return e.user == user; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  generation_ = next_generation.fetch_add(1, std::memory_order_relaxed);
  return true;
}

std::string UserFile::serialize() const {
  std::string out;
  for (const auto& e : entries_) out.append(e.user).append(":").append(e.hash).append("\n");
  return out;
}

}  // namespace portico::http
