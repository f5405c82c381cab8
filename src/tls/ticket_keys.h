// TicketKeyRing: session ticket keys shared by every thread, rotated on a schedule.
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace portico::tls {

// One ticket key (RFC 5077 4 recommended construction): a name that identifies it in tickets,
// an AES-256-CBC key and an HMAC-SHA256 key, all random.
struct TicketKey {
  std::array<unsigned char, 16> name{};
  std::array<unsigned char, 32> aes_key{};
  std::array<unsigned char, 32> hmac_key{};
};

// The keys in use: keys[0] encrypts new tickets, the others only decrypt tickets they made
// (those tickets are then renewed with keys[0]). Immutable once published.
struct TicketKeySet {
  std::vector<TicketKey> keys;
  int64_t rotate_at_s = 0;  // when keys[0] is retired
};

// Tickets are encrypted with a key every thread shares, so a ticket issued on one worker
// resumes on any other. Rotation is lazy: the first ticket operation after the rotation time
// publishes a new set (under a mutex, once per period); every other operation only loads the
// current set (an atomic shared_ptr load, no lock). A retired key stays for decryption for
// one session lifetime, so no unexpired ticket becomes unreadable; keys live only in memory,
// so tickets do not survive a restart (forward secrecy of old tickets once keys are gone).
class TicketKeyRing {
 public:
  using Clock = std::function<int64_t()>;  // seconds (default: CLOCK_REALTIME)

  TicketKeyRing(uint32_t rotation_s, uint32_t lifetime_s, Clock clock = {});

  // The current set, rotated first if due.
  std::shared_ptr<const TicketKeySet> current();
  uint64_t rotations() const { return rotations_.load(std::memory_order_relaxed); }

  // The OpenSSL ticket callback body (SSL_CTX_set_tlsext_ticket_key_evp_cb): enc=1 picks the
  // current key and a random IV; enc=0 finds the key by name. Returns 1 (ok), 2 (ok, renew the
  // ticket: it was made with an older key), 0 (unknown key: full handshake), -1 (error).
  int handle(unsigned char key_name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
             EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc);

 private:
  std::shared_ptr<const TicketKeySet> rotate(int64_t now_s);

  const uint32_t rotation_s_;
  const size_t keep_keys_;  // current + retired keys still able to decrypt
  Clock clock_;
  std::atomic<std::shared_ptr<const TicketKeySet>> set_;
  std::mutex rotate_mutex_;
  std::atomic<uint64_t> rotations_{0};
};

}  // namespace portico::tls
