// base64 and base64url encoding and strict decoding (RFC 4648 4 and 5).
#include "http/base64.h"

#include <array>
#include <cstdint>

namespace portico::http {
namespace {

constexpr std::string_view kStandardChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> make_decode_table(std::string_view chars) {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (size_t i = 0; i < chars.size(); ++i) t[static_cast<unsigned char>(chars[i])] = uint8_t(i);
  return t;
}

constexpr auto kStandardTable = make_decode_table(kStandardChars);
constexpr auto kUrlTable = make_decode_table(kUrlChars);

}  // namespace

std::string base64_encode(std::string_view bytes, Base64Alphabet alphabet) {
  const std::string_view chars = alphabet == Base64Alphabet::kUrl ? kUrlChars : kStandardChars;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 |
                       uint32_t(uint8_t(bytes[i + 2]));
    out += chars[v >> 18 & 63];
    out += chars[v >> 12 & 63];
    out += chars[v >> 6 & 63];
    out += chars[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (rest == 2) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += chars[v >> 18 & 63];
    out += chars[v >> 12 & 63];
    if (rest == 2) out += chars[v >> 6 & 63];
    if (alphabet == Base64Alphabet::kStandard) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet) {
  const auto& table = alphabet == Base64Alphabet::kUrl ? kUrlTable : kStandardTable;
  // Padding: strip it, then require that it was exactly what the data length implies.
  size_t pad = 0;
  while (pad < text.size() && pad < 2 && text[text.size() - 1 - pad] == '=') ++pad;
  const std::string_view data = text.substr(0, text.size() - pad);
  if (data.size() % 4 == 1) return std::nullopt;  // a lone 6-bit group cannot end a byte
  if (pad > 0 && (data.size() + pad) % 4 != 0) return std::nullopt;

  std::string out;
  out.reserve(data.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : data) {
    const uint8_t v = table[static_cast<unsigned char>(c)];
    if (v == kInvalid) return std::nullopt;  // includes '=' in the middle
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Leftover bits (2 or 4) must be zero: rejects "QQ==" vs "QR==" aliases.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace portico::http
