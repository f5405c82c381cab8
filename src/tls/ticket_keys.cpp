// TicketKeyRing: random ticket keys, lazy rotation, and the OpenSSL encrypt/decrypt callback.
#include "tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace portico::tls {
namespace {

int64_t realtime_s() { return static_cast<int64_t>(std::time(nullptr)); }

TicketKey random_key() {
  TicketKey k;
  if (RAND_bytes(k.name.data(), static_cast<int>(k.name.size())) != 1 ||
      RAND_bytes(k.aes_key.data(), static_cast<int>(k.aes_key.size())) != 1 ||
      RAND_bytes(k.hmac_key.data(), static_cast<int>(k.hmac_key.size())) != 1) {
    throw std::runtime_error("session ticket keys: the random generator failed");
  }
  return k;
}

bool init_mac(EVP_MAC_CTX* mac, const TicketKey& key) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(
          OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(key.hmac_key.data()), key.hmac_key.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  return EVP_MAC_CTX_set_params(mac, params) == 1;
}

}  // namespace

TicketKeyRing::TicketKeyRing(uint32_t rotation_s, uint32_t lifetime_s, Clock clock)
    : rotation_s_(std::max<uint32_t>(rotation_s, 1)),
      // A ticket made just before its key retires must decrypt for a whole lifetime after.
      keep_keys_(1 + (std::max<uint32_t>(lifetime_s, 1) + rotation_s_ - 1) / rotation_s_),
      clock_(clock ? std::move(clock) : Clock(realtime_s)) {
  auto set = std::make_shared<TicketKeySet>();
  set->keys.push_back(random_key());
  set->rotate_at_s = clock_() + rotation_s_;
  set_.store(std::move(set));
}

std::shared_ptr<const TicketKeySet> TicketKeyRing::current() {
  std::shared_ptr<const TicketKeySet> set = set_.load(std::memory_order_acquire);
  int64_t now = clock_();
  if (now < set->rotate_at_s) return set;
  return rotate(now);
}

std::shared_ptr<const TicketKeySet> TicketKeyRing::rotate(int64_t now_s) {
  std::lock_guard<std::mutex> lock(rotate_mutex_);
  std::shared_ptr<const TicketKeySet> old = set_.load(std::memory_order_acquire);
  if (now_s < old->rotate_at_s) return old;  // another thread rotated meanwhile
  auto next = std::make_shared<TicketKeySet>();
  next->keys.push_back(random_key());
  for (const auto& k : old->keys) {
    if (next->keys.size() >= keep_keys_) break;
    next->keys.push_back(k);
  }
  // After a long pause (no handshakes for several periods) the schedule restarts from now.
  next->rotate_at_s = old->rotate_at_s + rotation_s_;
  if (next->rotate_at_s <= now_s) next->rotate_at_s = now_s + rotation_s_;
  std::shared_ptr<const TicketKeySet> published = std::move(next);
  set_.store(published, std::memory_order_release);
  rotations_.fetch_add(1, std::memory_order_relaxed);
  return published;
}

int TicketKeyRing::handle(unsigned char key_name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
                          EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) {
  std::shared_ptr<const TicketKeySet> set = current();
  if (enc == 1) {
    const TicketKey& key = set->keys.front();
    std::memcpy(key_name, key.name.data(), key.name.size());
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1) return -1;
    if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes_key.data(), iv) != 1) {
      return -1;
    }
    return init_mac(mac, key) ? 1 : -1;
  }
  for (size_t i = 0; i < set->keys.size(); ++i) {
    const TicketKey& key = set->keys[i];
    if (std::memcmp(key_name, key.name.data(), key.name.size()) != 0) continue;
    if (!init_mac(mac, key)) return -1;
    if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes_key.data(), iv) != 1) {
      return -1;
    }
    return i == 0 ? 1 : 2;
  }
  return 0;
}

}  // namespace portico::tls
