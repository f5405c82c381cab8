// libFuzzer target for the framing codecs. Beyond "no crash", it checks the codecs' promise:
// the same stream gives the same frames and the same error whether it is decoded whole or in
// the chunks the fuzzer chooses, an error never consumes the bad frame, and what the encoder
// writes decodes back to the payload.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portico/net/buffer.h"
#include "portico/net/delimiter_codec.h"
#include "portico/net/fixed_length_codec.h"
#include "portico/net/length_prefix_codec.h"

namespace {

using namespace portico::net;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

struct Outcome {
  std::vector<std::string> frames;
  DecodeStatus status = DecodeStatus::kOk;
  size_t left = 0;  // bytes left in the buffer
  size_t fed = 0;
};

// Feeds stream in chunks of the given sizes (cycled), decoding after each, stopping at errors.
Outcome run(FrameDecoder& decoder, std::string_view stream, const std::vector<size_t>& sizes) {
  Outcome out;
  Buffer in;
  size_t i = 0;
  while (out.fed < stream.size()) {
    const size_t n = std::min(sizes[i++ % sizes.size()], stream.size() - out.fed);
    in.append(stream.substr(out.fed, n));
    out.fed += n;
    const DecodeResult r =
        decoder.decode(in, [&](std::string_view frame) { out.frames.emplace_back(frame); });
    if (!r.ok()) {
      check(!r.message.empty(), "an error says why");
      out.status = r.status;
      break;
    }
  }
  out.left = in.readable_bytes();
  return out;
}

std::unique_ptr<FrameDecoder> make_decoder(uint8_t kind, uint8_t arg) {
  switch (kind % 4) {
    case 0: return std::make_unique<FixedLengthCodec>(1 + arg % 16);
    case 1: return std::make_unique<DelimiterCodec>("\n", arg % 32, arg & 0x80);
    case 2: return std::make_unique<DelimiterCodec>("\r\n", arg % 32, arg & 0x80);
    default: {
      LengthPrefixCodecOptions o;
      o.header_bytes = size_t{1} << (arg % 4);
      o.max_frame_bytes = arg % 64;
      o.length_adjustment = static_cast<int64_t>(arg % 7) - 3;
      o.strip_header = arg & 0x80;
      return std::make_unique<LengthPrefixCodec>(o);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t kind = data[0];
  const uint8_t arg = data[1];
  // Chunk sizes: 1..16 from the low and high nibbles of data[2] and data[3].
  const std::vector<size_t> sizes = {1u + (data[2] & 15u), 1u + (data[2] >> 4),
                                     1u + (data[3] & 15u), 1u + (data[3] >> 4)};
  const std::string_view stream(reinterpret_cast<const char*>(data + 4), size - 4);

  auto whole_decoder = make_decoder(kind, arg);
  auto chunk_decoder = make_decoder(kind, arg);
  const Outcome whole = run(*whole_decoder, stream, {stream.size() + 1});
  const Outcome chunked = run(*chunk_decoder, stream, sizes);
  check(whole.frames == chunked.frames, "same frames whole and chunked");
  check(whole.status == chunked.status, "same status whole and chunked");
  if (whole.status == DecodeStatus::kOk) {
    check(whole.left == chunked.left, "same bytes left over");
  } else {
    // The bad frame starts at the same place; a chunked run may have seen less of it.
    check(whole.fed - whole.left == chunked.fed - chunked.left, "error at the same offset");
  }

  // Round trip: encode each decoded frame (when the codec strips its framing) and decode again.
  auto encoder_source = make_decoder(kind, arg);
  const auto* encoder = dynamic_cast<const FrameEncoder*>(encoder_source.get());
  const bool strips = (kind % 4 == 0) || (arg & 0x80);
  if (encoder != nullptr && strips) {
    Buffer wire;
    std::vector<std::string> sent;
    for (const auto& f : whole.frames) {
      if (encoder->encode(f, wire) == EncodeStatus::kOk) sent.push_back(f);
    }
    auto decoder = make_decoder(kind, arg);
    std::vector<std::string> got;
    const DecodeResult r =
        decoder->decode(wire, [&](std::string_view frame) { got.emplace_back(frame); });
    check(r.ok() && got == sent && wire.empty(), "encoded frames decode back");
  }
  return 0;
}
