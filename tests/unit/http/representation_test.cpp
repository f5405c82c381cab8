// Tests for src/http/representation.cpp: language variants, the coding chosen for a file
// (precompressed, whole, streamed, identity, 406), the compressed-body cache path and Vary.
#include "http/representation.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "http/precompressed.h"

namespace portico::http {
namespace {

namespace fs = std::filesystem;
using C = ContentCoding;
using Kind = EncodingChoice::Kind;

using Fields = std::vector<std::pair<std::string, std::string>>;

// A request with the given header fields (views into `fields`, which must outlive it).
class FakeRequest {
 public:
  explicit FakeRequest(Fields fields, Method m = Method::kGet) : fields_(std::move(fields)) {
    head_.method = m;
    head_.path = "/";
    for (const auto& [n, v] : fields_) head_.headers.push_back(HeaderView{n, v});
    request_ = std::make_unique<Request>(head_, std::string_view(), info_);
  }
  const Request& get() const { return *request_; }

 private:
  Fields fields_;
  RequestHead head_;
  ConnectionInfo info_;
  std::unique_ptr<Request> request_;
};

class RepresentationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "portico-rep-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    root_ = templ;
    root_fd_ = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root_fd_, 0);
    write("app.js", std::string(5000, 'a'), 1000);
  }
  void TearDown() override {
    ::close(root_fd_);
    fs::remove_all(root_);
  }

  void write(const std::string& rel, std::string_view content, time_t mtime) {
    int fd = ::open((root_ / rel).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
    ASSERT_EQ(::futimens(fd, times), 0);
    ::close(fd);
  }

  struct stat stat_of(const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(::stat((root_ / rel).c_str(), &st), 0);
    return st;
  }

  EncodingChoice choose(const FakeRequest& req, const CompressionOptions& o,
                        std::string_view type = "text/javascript; charset=utf-8",
                        const std::string& rel = "app.js") {
    struct stat original = stat_of(rel);
    int64_t ns = int64_t{original.st_mtim.tv_sec} * 1'000'000'000 + original.st_mtim.tv_nsec;
    SiblingProbe probe = [&](ContentCoding c) {
      struct stat st {};
      int fd = open_precompressed_sibling(root_fd_, rel, c, ns, false, &st);
      if (fd < 0) return false;
      ::close(fd);
      return true;
    };
    return choose_encoding(req.get(), o, static_cast<uint64_t>(original.st_size), type, probe);
  }

  fs::path root_;
  int root_fd_ = -1;
};

TEST_F(RepresentationTest, CompressesByServerPreference) {
  FakeRequest req(Fields{{"Accept-Encoding", "gzip, br, zstd"}});
  EncodingChoice c = choose(req, CompressionOptions{});
  EXPECT_EQ(c.kind, Kind::kCompressWhole);
  EXPECT_EQ(c.coding, C::kZstd);
  EXPECT_TRUE(c.vary);
}

TEST_F(RepresentationTest, CombinesSeveralAcceptEncodingFields) {
  FakeRequest req(Fields{{"Accept-Encoding", "gzip"}, {"Accept-Encoding", "gzip;q=0, br"}});
  EncodingChoice c = choose(req, CompressionOptions{});
  EXPECT_EQ(c.coding, C::kBrotli);
}

TEST_F(RepresentationTest, StreamsFilesAboveTheWholeFileLimit) {
  CompressionOptions o;
  o.max_whole_file_bytes = 4999;
  FakeRequest req(Fields{{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(choose(req, o).kind, Kind::kCompressStream);
}

TEST_F(RepresentationTest, PrefersAPrecompressedSiblingOverCompressing) {
  write("app.js.gz", "GZ", 1000);
  FakeRequest req(Fields{{"Accept-Encoding", "gzip, br, zstd"}});
  EncodingChoice c = choose(req, CompressionOptions{});
  EXPECT_EQ(c.kind, Kind::kPrecompressed);
  EXPECT_EQ(c.coding, C::kGzip);
}

TEST_F(RepresentationTest, TakesTheBestPrecompressedSiblingTheClientAccepts) {
  write("app.js.gz", "GZ", 1000);
  write("app.js.br", "BR", 1000);
  write("app.js.zst", "ZST", 1000);
  FakeRequest req(Fields{{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(choose(req, CompressionOptions{}).coding, C::kBrotli);
}

TEST_F(RepresentationTest, IgnoresSiblingsWhenPrecompressedIsOff) {
  write("app.js.gz", "GZ", 1000);
  CompressionOptions o;
  o.precompressed = false;
  FakeRequest req(Fields{{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(choose(req, o).kind, Kind::kCompressWhole);
}

TEST_F(RepresentationTest, ServesSiblingsEvenWithCompressionOff) {
  write("app.js.br", "BR", 1000);
  CompressionOptions o;
  o.enabled = false;
  FakeRequest br(Fields{{"Accept-Encoding", "br"}});
  EXPECT_EQ(choose(br, o).kind, Kind::kPrecompressed);
  FakeRequest gz(Fields{{"Accept-Encoding", "gzip"}});
  EncodingChoice c = choose(gz, o);
  EXPECT_EQ(c.kind, Kind::kIdentity);
  EXPECT_TRUE(c.vary);
}

TEST_F(RepresentationTest, GivesRangeRequestsIdentityUnlessASiblingExists) {
  FakeRequest req(Fields{{"Accept-Encoding", "gzip"}, {"Range", "bytes=0-10"}});
  EncodingChoice c = choose(req, CompressionOptions{});
  EXPECT_EQ(c.kind, Kind::kIdentity);
  EXPECT_TRUE(c.vary);
  write("app.js.gz", "GZ", 1000);
  EXPECT_EQ(choose(req, CompressionOptions{}).kind, Kind::kPrecompressed);
}

TEST_F(RepresentationTest, CompressesHeadWithRangeLikeAPlainGet) {
  // Range means nothing on HEAD (RFC 9110 14.2), so HEAD answers as GET without it would.
  FakeRequest req(Fields{{"Accept-Encoding", "gzip"}, {"Range", "bytes=0-10"}}, Method::kHead);
  EXPECT_EQ(choose(req, CompressionOptions{}).kind, Kind::kCompressWhole);
}

TEST_F(RepresentationTest, LeavesSmallFilesAlone) {
  CompressionOptions o;
  o.min_size_bytes = 5001;
  FakeRequest req(Fields{{"Accept-Encoding", "gzip"}});
  EncodingChoice c = choose(req, o);
  EXPECT_EQ(c.kind, Kind::kIdentity);
  EXPECT_TRUE(c.vary);
}

TEST_F(RepresentationTest, NeverNegotiatesIncompressibleTypes) {
  FakeRequest req(Fields{{"Accept-Encoding", "gzip"}});
  EncodingChoice c = choose(req, CompressionOptions{}, "image/png");
  EXPECT_EQ(c.kind, Kind::kIdentity);
  EXPECT_FALSE(c.vary);
  FakeRequest strict(Fields{{"Accept-Encoding", "identity;q=0"}});
  EXPECT_EQ(choose(strict, CompressionOptions{}, "image/png").kind, Kind::kIdentity);
}

TEST_F(RepresentationTest, RefusesWhenIdentityIsExcludedAndNothingElseFits) {
  FakeRequest req(Fields{{"Accept-Encoding", "identity;q=0, deflate"}});
  EXPECT_EQ(choose(req, CompressionOptions{}).kind, Kind::kNotAcceptable);
  CompressionOptions off;
  off.enabled = false;
  FakeRequest gz(Fields{{"Accept-Encoding", "gzip, identity;q=0"}});
  EXPECT_EQ(choose(gz, off).kind, Kind::kNotAcceptable);
}

TEST_F(RepresentationTest, SendsIdentityWithoutAcceptEncoding) {
  FakeRequest req(Fields{});
  EncodingChoice c = choose(req, CompressionOptions{});
  EXPECT_EQ(c.kind, Kind::kIdentity);
  EXPECT_TRUE(c.vary);
}

CompressedKey key_of(std::string_view rel, const struct stat& st, C coding) {
  return CompressedKey{rel, int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec,
                       static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_ino), coding};
}

TEST_F(RepresentationTest, CompressesWholeFilesThroughTheCache) {
  std::string content(20'000, 'q');
  write("big.txt", content, 1000);
  int fd = ::open((root_ / "big.txt").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  struct stat st = stat_of("big.txt");
  CompressedCache cache(1 << 20, 1);
  CompressedKey key = key_of("big.txt", st, C::kGzip);
  auto first = compress_whole_file(key, fd, nullptr, 6, &cache);
  ASSERT_TRUE(first);
  auto second = compress_whole_file(key, fd, nullptr, 6, &cache);
  EXPECT_EQ(first, second);  // the same cached body
  EXPECT_EQ(cache.stats().hits, 1u);
  uLongf n = content.size();
  std::string plain(n, '\0');
  // gzip stream: inflate with the gzip wrapper.
  z_stream z{};
  inflateInit2(&z, 16 + MAX_WBITS);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(first->data()));
  z.avail_in = static_cast<uInt>(first->size());
  z.next_out = reinterpret_cast<Bytef*>(plain.data());
  z.avail_out = static_cast<uInt>(n);
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  inflateEnd(&z);
  EXPECT_EQ(plain, content);
  auto from_memory =
      compress_whole_file(key_of("big.txt", st, C::kBrotli), -1, &content, 5, nullptr);
  EXPECT_TRUE(from_memory);
  ::close(fd);
}

TEST_F(RepresentationTest, DoesNotCacheAFileThatChangedWhileRead) {
  write("moving.txt", std::string(3000, 'm'), 1000);
  int fd = ::open((root_ / "moving.txt").c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st = stat_of("moving.txt");
  st.st_mtim.tv_sec -= 1;  // the version the caller saw is not the one on disk
  CompressedCache cache(1 << 20, 1);
  EXPECT_TRUE(compress_whole_file(key_of("moving.txt", st, C::kGzip), fd, nullptr, 6, &cache));
  EXPECT_EQ(cache.stats().entries, 0u);
  ::close(fd);
}

TEST_F(RepresentationTest, FailsToCompressAFileShorterThanItsStat) {
  write("short.txt", std::string(1000, 'x'), 1000);
  int fd = ::open((root_ / "short.txt").c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st = stat_of("short.txt");
  st.st_size = 2000;
  EXPECT_EQ(compress_whole_file(key_of("short.txt", st, C::kGzip), fd, nullptr, 6, nullptr),
            nullptr);
  ::close(fd);
}

class LanguageVariantTest : public RepresentationTest {
 protected:
  // The language of the variant opened for `accept` ("" when none).
  std::string variant(const char* accept, const std::vector<std::string>& languages,
                      std::string_view default_language = "en") {
    Fields fields;
    if (accept) fields.emplace_back("Accept-Language", accept);
    FakeRequest req(fields);
    LanguageVariant v = open_language_variant(root_fd_, "about.html", req.get(), languages,
                                              default_language, false);
    if (v.fd < 0) return "";
    ::close(v.fd);
    EXPECT_EQ(v.relative, "about.html." + v.language);
    return v.language;
  }
};

TEST_F(LanguageVariantTest, ChoosesTheBestAcceptedVariant) {
  write("about.html.en", "EN", 1000);
  write("about.html.de", "DE", 1000);
  std::vector<std::string> site = {"en", "de", "fr"};
  EXPECT_EQ(variant("de", site), "de");
  EXPECT_EQ(variant("de-CH, en;q=0.5", site), "de");
  EXPECT_EQ(variant("fr, de;q=0.5", site), "de");  // no about.html.fr
  EXPECT_EQ(variant("en-US", site), "en");
}

TEST_F(LanguageVariantTest, FallsBackToTheDefaultLanguage) {
  write("about.html.en", "EN", 1000);
  write("about.html.de", "DE", 1000);
  std::vector<std::string> site = {"de", "en"};
  EXPECT_EQ(variant(nullptr, site), "en");
  EXPECT_EQ(variant("ja", site), "en");
  EXPECT_EQ(variant("*;q=0", site), "en");
}

TEST_F(LanguageVariantTest, FallsBackToAnyVariantWhenTheDefaultIsMissing) {
  write("about.html.de", "DE", 1000);
  EXPECT_EQ(variant("ja", {"en", "de"}), "de");
}

TEST_F(LanguageVariantTest, FindsNothingWithoutVariantsOrLanguages) {
  EXPECT_EQ(variant("de", {"en", "de"}), "");
  write("about.html.de", "DE", 1000);
  EXPECT_EQ(variant("de", {}), "");
}

TEST_F(LanguageVariantTest, SkipsAVariantThatIsADirectory) {
  fs::create_directory(root_ / "about.html.de");
  write("about.html.en", "EN", 1000);
  EXPECT_EQ(variant("de", {"en", "de"}), "en");
}

TEST(LanguageSuffix, RecognisesTheSitesLanguages) {
  std::vector<std::string> site = {"en", "de-CH"};
  EXPECT_EQ(language_suffix("about.html.en", site), "en");
  EXPECT_EQ(language_suffix("docs/about.html.DE-ch", site), "de-CH");
  EXPECT_EQ(language_suffix("about.html", site), "");
  EXPECT_EQ(language_suffix("en", site), "");
  EXPECT_EQ(language_suffix("dir.en/file", site), "");
  EXPECT_EQ(language_suffix("about.html.fr", site), "");
}

TEST(VaryValue, ListsWhatTheResponseDependsOn) {
  EXPECT_EQ(vary_value(true, false), "Accept-Encoding");
  EXPECT_EQ(vary_value(false, true), "Accept-Language");
  EXPECT_EQ(vary_value(true, true), "Accept-Encoding, Accept-Language");
  EXPECT_EQ(vary_value(false, false), "");
}

TEST(CombinedField, JoinsRepeatedFields) {
  FakeRequest one(Fields{{"Accept-Language", "de"}});
  std::string storage;
  EXPECT_EQ(combined_field(one.get(), "accept-language", storage), "de");
  FakeRequest two(Fields{{"Accept-Language", "de"}, {"X", "y"}, {"accept-language", "en;q=0.5"}});
  EXPECT_EQ(combined_field(two.get(), "Accept-Language", storage), "de, en;q=0.5");
  FakeRequest none(Fields{});
  EXPECT_EQ(combined_field(none.get(), "Accept-Language", storage), "");
}

}  // namespace
}  // namespace portico::http
