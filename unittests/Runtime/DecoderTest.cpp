//===- DecoderTest.cpp - decodeProgram on hand-built bytes ----------------===//
//
// The container of docs/isa.md ("The container") written out byte by byte
// here, with the test's own CRC-32 (zlib's polynomial), not with
// encodeProgram: the smallest program (target "3d-mol", one empty graph, no
// constants or layers, one core that halts) decodes, re-encodes to the same
// bytes, and every non-canonical or damaged variant of it is refused with
// a message that says what and where.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Runtime/Program.h"

#include "TestPrograms.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spikestack::rt {
namespace {

using ::testing::HasSubstr;

/// CRC-32 as zlib computes it (reflected, polynomial 0xEDB88320).
uint32_t crc32Of(const std::string &bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void le(std::string &out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(char(uint8_t(v >> (8 * i))));
}
std::string u32(uint32_t v) {
  std::string s;
  le(s, v, 4);
  return s;
}
std::string u64(uint64_t v) {
  std::string s;
  le(s, v, 8);
  return s;
}
std::string str(const std::string &s) { return u32(uint32_t(s.size())) + s; }

struct Section {
  uint32_t kind, index;
  std::string payload;
};

/// The payloads of the smallest program.
/// META: name "3d-mol" (4 + 6), empty document (4), makespan and barriers
/// (8 + 8), no input offsets (4): 34 bytes.
/// GRAPH 0: no values, nodes, inputs, outputs, input and output names:
/// six zero counts, 24 bytes. CONSTANTS, LAYERS: a zero count, 4 bytes.
/// STREAM core 0: one instruction, halt = opcode 12, sub 0, flags 0, no
/// fields: 4 + 3 = 7 bytes.
std::vector<Section> smallestSections() {
  std::string meta = str("3d-mol") + str("") + u64(0) + u64(0) + u32(0);
  std::string graph;
  for (int i = 0; i < 6; ++i)
    graph += u32(0);
  std::string stream = u32(1) + std::string("\x0c\x00\x00", 3);
  return {{1, 0, meta}, {2, 0, graph}, {3, 0, u32(0)}, {4, 0, u32(0)},
          {5, 0, stream}};
}

/// Header (magic, version, section count, fingerprint: 24 bytes), the
/// table (24 bytes per section: kind, index, offset, size), the payloads
/// and the CRC. `offsets` overrides the computed offsets; `gap` puts that
/// many zero bytes between the last payload and the checksum.
std::string container(const std::vector<Section> &sections,
                      uint32_t version = 3, uint64_t fingerprint = 0x1234,
                      std::vector<uint64_t> offsets = {}, int gap = 0) {
  std::string out("SNNPROG\x1a", 8);
  out += u32(version) + u32(uint32_t(sections.size())) + u64(fingerprint);
  uint64_t at = 24 + 24 * sections.size();
  for (size_t i = 0; i < sections.size(); ++i) {
    const Section &s = sections[i];
    const uint64_t off = i < offsets.size() ? offsets[i] : at;
    out += u32(s.kind) + u32(s.index) + u64(off) + u64(s.payload.size());
    at += s.payload.size();
  }
  for (const Section &s : sections)
    out += s.payload;
  out += std::string(size_t(gap), '\0');
  return out + u32(crc32Of(out));
}

std::string errorOf(const std::string &bytes) {
  auto p = decodeProgram(bytes);
  EXPECT_FALSE(p.ok());
  return p.ok() ? "" : std::string(p.status().message());
}

TEST(DecoderTest, SmallestProgramDecodesAndReencodes) {
  const std::string bytes = container(smallestSections());
  // 24 + 5 x 24 = 144 bytes of header and table, 34 + 24 + 4 + 4 + 7 = 73
  // of payloads, 4 of checksum.
  ASSERT_EQ(bytes.size(), 221u);
  auto p = decodeProgram(bytes);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->target, "3d-mol");
  EXPECT_EQ(p->targetDocument, "");
  EXPECT_EQ(p->fingerprint, 0x1234u);
  ASSERT_EQ(p->graphs.size(), 1u);
  EXPECT_TRUE(p->graphs[0].values.empty());
  ASSERT_EQ(p->streams.size(), 1u);
  ASSERT_EQ(p->streams[0].size(), 1u);
  EXPECT_EQ(p->streams[0][0].op, Opcode::Halt);
  EXPECT_EQ(encodeProgram(*p), bytes);
}

TEST(DecoderTest, HandBuiltInstructionFields) {
  // Two barriers; core 0: signal 1 (opcode 10, one field: barrier),
  // wait 1 count 1 (opcode 11, fields barrier and count), halt.
  std::vector<Section> s = smallestSections();
  s[0].payload = str("3d-mol") + str("") + u64(7) + u64(2) + u32(0);
  s[4].payload = u32(3) + std::string("\x0a\x00\x00", 3) + u64(1) +
                 std::string("\x0b\x00\x00", 3) + u64(1) + u64(1) +
                 std::string("\x0c\x00\x00", 3);
  const std::string bytes = container(s);
  auto p = decodeProgram(bytes);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->makespan, 7);
  EXPECT_EQ(p->barriers, 2);
  ASSERT_EQ(p->streams[0].size(), 3u);
  EXPECT_EQ(formatInstr(p->streams[0][0]), "signal 1");
  EXPECT_EQ(formatInstr(p->streams[0][1]), "wait 1 count 1");
  EXPECT_EQ(encodeProgram(*p), bytes);
}

TEST(DecoderTest, HeaderErrors) {
  EXPECT_THAT(errorOf(""), HasSubstr("bad magic"));
  EXPECT_THAT(errorOf(std::string("SNNPROG\x1b", 8) + u32(2)),
              HasSubstr("bad magic"));
  EXPECT_THAT(errorOf(container(smallestSections(), 1)),
              HasSubstr("unsupported program format version 1"));
  EXPECT_THAT(errorOf(container(smallestSections(), 2)),
              HasSubstr("unsupported program format version 2"));
  EXPECT_THAT(errorOf(container(smallestSections(), 4)),
              HasSubstr("unsupported program format version 4"));
  // Magic and version only: the rest of the header is missing.
  EXPECT_THAT(errorOf(std::string("SNNPROG\x1a", 8) + u32(2)),
              HasSubstr("truncated"));
}

TEST(DecoderTest, ChecksumMismatch) {
  std::string bytes = container(smallestSections());
  bytes[150] ^= 1; // a byte of the META payload
  EXPECT_THAT(errorOf(bytes), HasSubstr("checksum mismatch"));
  bytes = container(smallestSections());
  bytes.pop_back();
  EXPECT_THAT(errorOf(bytes), HasSubstr("checksum mismatch"));
}

TEST(DecoderTest, NonCanonicalSectionOrderIsRefused) {
  // CONSTANTS before GRAPH 0.
  std::vector<Section> s = smallestSections();
  std::swap(s[1], s[2]);
  EXPECT_THAT(errorOf(container(s)),
              HasSubstr("section 1 is CONSTANTS where GRAPH 0 belongs"));
  // LAYERS before CONSTANTS.
  s = smallestSections();
  std::swap(s[2], s[3]);
  EXPECT_THAT(errorOf(container(s)),
              HasSubstr("section 2 is LAYERS where GRAPH 1 or CONSTANTS "
                        "belongs"));
  // GRAPH 0 twice.
  s = smallestSections();
  s.insert(s.begin() + 2, s[1]);
  EXPECT_THAT(errorOf(container(s)), HasSubstr("GRAPH 0 appears twice"));
  // Neither LAYERS nor a stream: the order is kept but LAYERS is missing.
  s = smallestSections();
  s.resize(3);
  EXPECT_THAT(errorOf(container(s)), HasSubstr("section is missing"));
}

TEST(DecoderTest, NonContiguousPayloadsAreRefused) {
  // The payloads start at 144; META is 34 bytes, so GRAPH 0 is at 178.
  // Pointing GRAPH 0 one byte later leaves a hole.
  const std::vector<Section> s = smallestSections();
  EXPECT_THAT(errorOf(container(s, 3, 0x1234, {144, 179})),
              HasSubstr("section 1 (GRAPH 0) starts at byte 179, expected "
                        "178"));
  // A zero byte between the last payload (ending at 217) and the checksum.
  EXPECT_THAT(errorOf(container(s, 3, 0x1234, {}, 1)),
              HasSubstr("1 bytes between the last section (ending at byte "
                        "217) and the checksum"));
  // A section past the end of the file.
  EXPECT_THAT(errorOf(container(s, 3, 0x1234, {144, 178, 202, 206, 5000})),
              HasSubstr("section 4 (STREAM core 0) spans bytes 5000..5007"));
}

TEST(DecoderTest, NonCanonicalPayloadBytesAreRefused) {
  // Flags byte 2 on the halt (only 0 and 1 exist).
  std::vector<Section> s = smallestSections();
  s[4].payload[6] = 2;
  EXPECT_THAT(errorOf(container(s)),
              HasSubstr("STREAM core 0: unknown flags 2 at instruction 0"));
  // Flag 1 (dynamic) is well formed but only array instructions take it.
  s[4].payload[6] = 1;
  EXPECT_THAT(errorOf(container(s)),
              HasSubstr("only array instructions can be dynamic"));
  // A sub-operation on halt.
  s = smallestSections();
  s[4].payload[5] = 1;
  EXPECT_THAT(errorOf(container(s)),
              HasSubstr("sub-operation 1 on an instruction without one"));
  // Opcode 14 does not exist (13 is the last, fetch).
  s = smallestSections();
  s[4].payload[4] = 14;
  EXPECT_THAT(errorOf(container(s)),
              HasSubstr("unknown opcode 14 at instruction 0"));
  // A byte left over after the LAYERS count.
  s = smallestSections();
  s[3].payload += '\0';
  EXPECT_THAT(errorOf(container(s)), HasSubstr("LAYERS: 1 bytes left over"));
  // A count larger than the bytes that follow: 1000 values in 20 bytes.
  s = smallestSections();
  s[1].payload.replace(0, 4, u32(1000));
  EXPECT_THAT(errorOf(container(s)), HasSubstr("count 1000"));
}

TEST(DecoderTest, DecodedProgramsAreVerified) {
  // A stream that does not end with halt: signal 0 without barriers.
  std::vector<Section> s = smallestSections();
  s[4].payload = u32(1) + std::string("\x0a\x00\x00", 3) + u64(0);
  EXPECT_THAT(errorOf(container(s)),
              HasSubstr("invalid program: stream of core 0 does not end "
                        "with halt"));
  // A preset name with a space.
  s = smallestSections();
  s[0].payload = str("3d mol") + str("") + u64(0) + u64(0) + u32(0);
  EXPECT_THAT(errorOf(container(s)), HasSubstr("invalid program"));
}

TEST(DecoderTest, EncodedHandBuiltProgramRoundTrips) {
  // The linear program of TestPrograms.h through the encoder and back.
  Program p = testing::linearProgram();
  p.fingerprint = 42;
  const std::string bytes = encodeProgram(p);
  auto q = decodeProgram(bytes);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(encodeProgram(*q), bytes);
  ASSERT_EQ(q->streams.size(), 1u);
  EXPECT_EQ(formatInstr(q->streams[0][0]),
            "spike_acc layer 0 tiling 0 task 0 k_tiles 1 columns 3 vectors 2 "
            "bundle 2");
  EXPECT_EQ(q->constants[0].bytes.size(), 12u);
  // Every single flipped bit of it is refused (the checksum at least).
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string bad = bytes;
    bad[i] ^= 0x10;
    EXPECT_FALSE(decodeProgram(bad).ok()) << "byte " << i;
  }
}

TEST(DecoderTest, UnknownDataflowIsRefused) {
  // The linear program's LAYERS payload: count (4), layer 0's node (4),
  // op "snn.linear" (4 + 10), tiling count (4), tiling 0's kind (1) and
  // eight i64 fields (64): its dataflow byte is at 4 + 4 + 14 + 4 + 1 +
  // 64 = 91, followed by row_tiles (i64, 1). Byte 2 names no dataflow.
  Program p = testing::linearProgram();
  p.fingerprint = 42;
  std::string bytes = encodeProgram(p);
  // Header: magic 8, version 4, section count 4, fingerprint 8; then 24
  // bytes per section (kind u32, index u32, offset u64, size u64).
  auto rd = [&](size_t at, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
      v = (v << 8) | uint8_t(bytes[at + size_t(i)]);
    return v;
  };
  const uint64_t sections = rd(12, 4);
  uint64_t layers = 0;
  for (uint64_t i = 0; i < sections; ++i)
    if (rd(24 + 24 * i, 4) == 4) // LAYERS
      layers = rd(24 + 24 * i + 8, 8);
  ASSERT_NE(layers, 0u);
  const size_t at = size_t(layers) + 91;
  ASSERT_EQ(bytes[at], 0);         // weight_stationary
  ASSERT_EQ(rd(at + 1, 8), 1u);    // row_tiles 1
  bytes[at] = 2;
  // The CRC-32 of everything before it, again.
  std::string body = bytes.substr(0, bytes.size() - 4);
  bytes = body + u32(crc32Of(body));
  EXPECT_THAT(errorOf(bytes), HasSubstr("unknown dataflow 2"));
  // Byte 1 (output_stationary) decodes and verifies: a synaptic tiling
  // whose fold of 2 vectors fits the 32 rows.
  bytes[at] = 1;
  body = bytes.substr(0, bytes.size() - 4);
  bytes = body + u32(crc32Of(body));
  auto q = decodeProgram(bytes);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->layers[0].tilings[0].dataflow, Dataflow::OutputStationary);
}

} // namespace
} // namespace spikestack::rt
