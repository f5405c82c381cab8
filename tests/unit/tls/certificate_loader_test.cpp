// Tests for load_certificate: names, key types, and the precise error for each broken input.
#include "tls/certificate_loader.h"

#include <gtest/gtest.h>

#include "unit/tls/tls_test_util.h"

namespace portico::tls {
namespace {

using testing::KeyKind;
using testing::make_cert;
using testing::TempDir;

class CertificateLoaderTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(CertificateLoaderTest, LoadsEcdsaCertificateWithSanNames) {
  auto c = make_cert("ignored-cn", "DNS:Example.test,DNS:*.example.test", KeyKind::kEcdsa);
  CertificateFiles f{dir_.write("c.pem", c.cert_pem), dir_.write("k.pem", c.key_pem)};
  LoadedCertificate out;
  std::string error;
  ASSERT_TRUE(load_certificate(f, &out, &error)) << error;
  EXPECT_EQ(out.names, (std::vector<std::string>{"example.test", "*.example.test"}));
  EXPECT_EQ(out.key_type, "ECDSA");
  EXPECT_EQ(sk_X509_num(out.chain.get()), 0);
  EXPECT_GT(out.not_after_unix, out.not_before_unix);
}

TEST_F(CertificateLoaderTest, FallsBackToCommonNameWithoutSan) {
  auto c = make_cert("Legacy.Test", "", KeyKind::kRsa);
  CertificateFiles f{dir_.write("c.pem", c.cert_pem), dir_.write("k.pem", c.key_pem)};
  LoadedCertificate out;
  std::string error;
  ASSERT_TRUE(load_certificate(f, &out, &error)) << error;
  EXPECT_EQ(out.names, (std::vector<std::string>{"legacy.test"}));
  EXPECT_EQ(out.key_type, "RSA");
}

TEST_F(CertificateLoaderTest, KeepsIntermediatesAsTheChain) {
  auto ca = make_cert("Test CA", "", KeyKind::kEcdsa, nullptr, -1, 365, true);
  auto leaf = make_cert("leaf.test", "DNS:leaf.test", KeyKind::kEcdsa, &ca);
  CertificateFiles f{dir_.write("c.pem", leaf.cert_pem + ca.cert_pem),
                     dir_.write("k.pem", leaf.key_pem)};
  LoadedCertificate out;
  std::string error;
  ASSERT_TRUE(load_certificate(f, &out, &error)) << error;
  EXPECT_EQ(sk_X509_num(out.chain.get()), 1);
}

TEST_F(CertificateLoaderTest, MissingFileNamesTheFileAndTheReason) {
  auto c = make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa);
  CertificateFiles f{dir_.file("nope.pem"), dir_.write("k.pem", c.key_pem)};
  LoadedCertificate out;
  std::string error;
  ASSERT_FALSE(load_certificate(f, &out, &error));
  EXPECT_EQ(error, "certificate file '" + dir_.file("nope.pem") +
                       "': cannot read: No such file or directory");
}

TEST_F(CertificateLoaderTest, UnreadableKeyIsReported) {
  auto c = make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa);
  CertificateFiles f{dir_.write("c.pem", c.cert_pem), dir_.write("k.pem", c.key_pem)};
  ::chmod(f.key_file.c_str(), 0);
  if (::access(f.key_file.c_str(), R_OK) == 0) GTEST_SKIP() << "running as root";
  LoadedCertificate out;
  std::string error;
  ASSERT_FALSE(load_certificate(f, &out, &error));
  EXPECT_EQ(error, "key file '" + f.key_file + "': cannot read: Permission denied");
}

TEST_F(CertificateLoaderTest, FileWithoutPemIsRejected) {
  auto c = make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa);
  CertificateFiles f{dir_.write("c.pem", "hello\n"), dir_.write("k.pem", c.key_pem)};
  LoadedCertificate out;
  std::string error;
  ASSERT_FALSE(load_certificate(f, &out, &error));
  EXPECT_EQ(error, "certificate file '" + f.cert_file + "': no PEM certificate found");

  CertificateFiles g{dir_.write("c2.pem", c.cert_pem), dir_.write("k2.pem", c.cert_pem)};
  ASSERT_FALSE(load_certificate(g, &out, &error));
  EXPECT_EQ(error, "key file '" + g.key_file + "': no PEM private key found");
}

TEST_F(CertificateLoaderTest, EmptyFileIsRejected) {
  auto c = make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa);
  CertificateFiles f{dir_.write("c.pem", ""), dir_.write("k.pem", c.key_pem)};
  LoadedCertificate out;
  std::string error;
  ASSERT_FALSE(load_certificate(f, &out, &error));
  EXPECT_EQ(error, "certificate file '" + f.cert_file + "': is empty");
}

TEST_F(CertificateLoaderTest, KeyOfAnotherCertificateIsAMismatch) {
  auto a = make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa);
  auto b = make_cert("b.test", "DNS:b.test", KeyKind::kEcdsa);
  CertificateFiles f{dir_.write("a.pem", a.cert_pem), dir_.write("b.key", b.key_pem)};
  LoadedCertificate out;
  std::string error;
  ASSERT_FALSE(load_certificate(f, &out, &error));
  EXPECT_EQ(error,
            "key file '" + f.key_file + "' does not match certificate '" + f.cert_file + "'");
}

TEST_F(CertificateLoaderTest, EncryptedKeyIsRejectedWithoutPrompting) {
  auto c = make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa);
  UniqueBio b(BIO_new(BIO_s_mem()));
  const char pass[] = "secret";
  PEM_write_bio_PKCS8PrivateKey(b.get(), c.key.get(), EVP_aes_256_cbc(), pass, 6, nullptr, nullptr);
  char* d = nullptr;
  long n = BIO_get_mem_data(b.get(), &d);
  CertificateFiles f{dir_.write("c.pem", c.cert_pem),
                     dir_.write("k.pem", std::string(d, static_cast<size_t>(n)))};
  LoadedCertificate out;
  std::string error;
  ASSERT_FALSE(load_certificate(f, &out, &error));
  EXPECT_NE(error.find("encrypted"), std::string::npos) << error;
}

TEST_F(CertificateLoaderTest, ExpiredCertificateWarningNamesTheDate) {
  auto c = make_cert("old.test", "DNS:old.test", KeyKind::kEcdsa, nullptr, -30, -1);
  CertificateFiles f{dir_.write("c.pem", c.cert_pem), dir_.write("k.pem", c.key_pem)};
  LoadedCertificate out;
  std::string error;
  ASSERT_TRUE(load_certificate(f, &out, &error)) << error;  // loads: a warning, not an error
  std::string w = validity_warning(out, static_cast<int64_t>(std::time(nullptr)));
  EXPECT_EQ(w, "certificate '" + f.cert_file + "' (old.test) expired on " + out.not_after_text);
  EXPECT_NE(out.not_after_text.find(" UTC"), std::string::npos);
}

TEST_F(CertificateLoaderTest, NotYetValidCertificateIsAWarning) {
  auto c = make_cert("new.test", "DNS:new.test", KeyKind::kEcdsa, nullptr, 2, 30);
  CertificateFiles f{dir_.write("c.pem", c.cert_pem), dir_.write("k.pem", c.key_pem)};
  LoadedCertificate out;
  std::string error;
  ASSERT_TRUE(load_certificate(f, &out, &error)) << error;
  std::string w = validity_warning(out, static_cast<int64_t>(std::time(nullptr)));
  EXPECT_NE(w.find("is not valid before"), std::string::npos) << w;
  EXPECT_EQ(validity_warning(out, out.not_before_unix + 10), "");
}

}  // namespace
}  // namespace portico::tls
