// Tests for make_self_signed_certificate: key type, names, validity, name checks.
#include "portico/tls/self_signed.h"

#include <gtest/gtest.h>

#include "tls/certificate_loader.h"
#include "unit/tls/tls_test_util.h"

namespace portico::tls {
namespace {

LoadedCertificate load(const SelfSignedCertificate& c, const testing::TempDir& dir) {
  CertificateFiles f{dir.write("cert.pem", c.cert_pem), dir.write("key.pem", c.key_pem)};
  LoadedCertificate out;
  std::string error;
  EXPECT_TRUE(load_certificate(f, &out, &error)) << error;
  return out;
}

TEST(SelfSigned, MakesAnEcdsaP256CertificateForTheName) {
  testing::TempDir dir;
  auto cert = load(make_self_signed_certificate("dev.example.test", 90), dir);
  EXPECT_EQ(cert.key_type, "ECDSA");
  EXPECT_EQ(cert.names, (std::vector<std::string>{"dev.example.test"}));
  char group[64] = {};
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(cert.key.get(), group, sizeof group, &len), 1);
  EXPECT_STREQ(group, "prime256v1");
  int64_t days = (cert.not_after_unix - static_cast<int64_t>(std::time(nullptr))) / 86400;
  EXPECT_TRUE(days == 89 || days == 90) << days;
  // Self-signed: the certificate verifies with its own key.
  EXPECT_EQ(X509_verify(cert.leaf.get(), cert.key.get()), 1);
}

TEST(SelfSigned, LocalhostAlsoCoversLoopbackAddresses) {
  auto c = make_self_signed_certificate("localhost");
  testing::TempDir dir;
  auto cert = load(c, dir);
  EXPECT_EQ(X509_check_host(cert.leaf.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.leaf.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.leaf.get(), "::1", 0), 1);
}

TEST(SelfSigned, IpLiteralGetsAnIpSan) {
  testing::TempDir dir;
  auto cert = load(make_self_signed_certificate("192.0.2.7"), dir);
  EXPECT_EQ(X509_check_ip_asc(cert.leaf.get(), "192.0.2.7", 0), 1);
}

TEST(SelfSigned, RejectsMalformedNames) {
  EXPECT_THROW(make_self_signed_certificate(""), std::invalid_argument);
  EXPECT_THROW(make_self_signed_certificate("a b"), std::invalid_argument);
  EXPECT_THROW(make_self_signed_certificate("evil.test/x"), std::invalid_argument);
  EXPECT_THROW(make_self_signed_certificate("a..b"), std::invalid_argument);
  EXPECT_THROW(make_self_signed_certificate("x", 0), std::invalid_argument);
  EXPECT_TRUE(valid_certificate_name("*.example.test"));
  EXPECT_TRUE(valid_certificate_name("::1"));
  EXPECT_FALSE(valid_certificate_name(std::string(64, 'a') + ".test"));
}

}  // namespace
}  // namespace portico::tls
