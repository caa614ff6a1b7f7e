//===- program-fuzzer.cpp - libFuzzer target for programs and the executor ===//
//
// Feeds arbitrary bytes to the program container as if they were a file
// given to `snn-run` / `snn-asm -d`: rt::decodeProgram (header, section
// table, CRC-32, every section, verifyProgram), the disassembler and the
// assembler, and, for a program that decodes, rt::Executor::create and
// run on its target with all-zero inputs (the layer table on the reference
// kernels, then the cycle-level model of the streams).
//
// Most mutations break the CRC-32, which the decoder checks before it
// reads any section; so an input whose only fault is its checksum is
// decoded a second time with the checksum recomputed, and mutations reach
// the sections. Likewise the fingerprint is set to the target's, so that
// programs reach the executor. The target is the one the program carries
// (rt::programTarget: a shipped preset or the embedded target document;
// no file is ever opened). Every input must end in a program, a run or an
// error; crashes, hangs, leaks and sanitizer reports are bugs. Links no
// MLIR. Built with clang (-fsanitize=fuzzer) when
// SPIKESTACK_ENABLE_FUZZERS=ON; run by scripts/fuzz.sh.
//
// Two properties abort when violated, for every input the decoder accepts:
//  - the encoding is canonical: encodeProgram(decodeProgram(x)) == x;
//  - the assembly round-trips: assemble(disassemble(p)) encodes to the
//    same bytes.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Hardware/Target.h"
#include "spikestack/Runtime/Executor.h"
#include "spikestack/Runtime/Program.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>

using namespace spikestack;

namespace {

/// CRC-32 as zlib's crc32() computes it (reflected, polynomial 0xedb88320).
uint32_t crc32(std::string_view bytes) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xffffffffu;
  for (unsigned char b : bytes)
    c = table[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

/// The shipped presets, parsed once.
const hw::Target *preset(const std::string &name) {
  static const auto *targets = [] {
    auto *m = new std::map<std::string, hw::Target>();
    for (const std::string &p : hw::presetNames())
      if (auto t = hw::loadTarget(p); t.ok())
        m->emplace(p, std::move(*t));
    return m;
  }();
  auto it = targets->find(name);
  return it == targets->end() ? nullptr : &it->second;
}

/// decode -> encode is the identity on accepted inputs, and the assembly
/// reproduces the program.
void checkRoundTrips(std::string_view accepted, const rt::Program &p) {
  const std::string bytes = rt::encodeProgram(p);
  if (bytes != accepted) {
    size_t at = 0;
    while (at < bytes.size() && at < accepted.size() &&
           bytes[at] == accepted[at])
      ++at;
    std::fprintf(stderr,
                 "non-canonical encoding accepted: the input (%zu bytes) "
                 "re-encodes to %zu bytes, first difference at byte %zu\n",
                 accepted.size(), bytes.size(), at);
    std::abort();
  }
  auto again = rt::assemble(rt::disassemble(p));
  if (!again.ok() || rt::encodeProgram(*again) != bytes) {
    std::fprintf(stderr, "assembly round trip failed: %s\n",
                 again.ok() ? "different bytes"
                            : std::string(again.status().message()).c_str());
    std::abort();
  }
}

/// The target to run `p` on: the one it carries, else (a fingerprint the
/// mutation broke) the preset it names or its document as parsed.
std::optional<hw::Target> targetFor(const rt::Program &p) {
  auto own = rt::programTarget(p);
  if (own.ok())
    return std::move(*own);
  if (p.targetDocument.empty()) {
    if (const hw::Target *t = preset(p.target))
      return *t;
    return std::nullopt;
  }
  auto parsed = hw::parseTarget(p.targetDocument, "fuzzed target document");
  if (!parsed.ok())
    return std::nullopt;
  return std::move(*parsed);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char *>(data), size);
  std::string fixed;
  auto program = rt::decodeProgram(bytes);
  if (!program.ok() && size >= 28 &&
      program.status().message().rfind("checksum mismatch", 0) == 0) {
    fixed = std::string(bytes);
    const uint32_t crc = crc32(std::string_view(fixed).substr(0, size - 4));
    for (int i = 0; i < 4; ++i)
      fixed[size - 4 + i] = char(uint8_t(crc >> (8 * i)));
    program = rt::decodeProgram(fixed);
  }
  if (!program.ok())
    return 0;
  checkRoundTrips(fixed.empty() ? bytes : std::string_view(fixed), *program);

  const std::optional<hw::Target> target = targetFor(*program);
  if (!target)
    return 0;
  // Zero inputs of the main graph's shapes (zero fits every element type).
  const rt::Graph &g = program->graphs[0];
  std::vector<ref::Tensor> inputs;
  int64_t total = 0;
  for (int32_t v : g.inputs) {
    const std::vector<int64_t> &shape = g.values[v].shape;
    const int64_t n = ref::numElements(shape);
    total += n;
    if (n > (int64_t(1) << 20) || total > (int64_t(1) << 20))
      return 0;
    inputs.emplace_back(shape);
  }
  program->fingerprint = rt::targetFingerprint(*target);
  auto exec = rt::Executor::create(std::move(*program), *target);
  if (!exec.ok())
    return 0;
  rt::RunOptions options;
  options.maxElements = int64_t(1) << 20;
  options.maxCalendarBuckets = int64_t(1) << 20;
  options.trace = size % 2 == 0;
  options.maxTraceEvents = 4096;
  auto result = (*exec)->run(inputs, options);
  (void)result;
  return 0;
}
