//===- snn-asm.cpp - program assembler and disassembler -------------------===//
//
//   snn-asm -d PROGRAM [-o OUT.s]      disassemble a binary program
//   snn-asm FILE.s -o PROGRAM          assemble it back
//   snn-asm --print-isa-table [-o OUT] the instruction table of docs/isa.md,
//                                      rendered from ISA.def
//
// Both directions verify the program; `snn-asm` of the output of
// `snn-asm -d` reproduces the binary byte for byte. Inputs are regular
// files (or "-", standard input) of bounded size (rt::kMaxProgramBytes,
// rt::kMaxAssemblyBytes); outputs go through writeOutputFile ("-" is
// standard output, the default of -d). Links no MLIR.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Runtime/Program.h"
#include "spikestack/Support/FileUtil.h"

#include <cstdio>
#include <cstring>
#include <string>

using namespace spikestack;

static int error(const std::string &message) {
  std::fprintf(stderr, "snn-asm: error: %s\n", message.c_str());
  return 1;
}

int main(int argc, char **argv) {
  bool disassemble = false, isaTable = false;
  std::string in, out;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "-d")) {
      disassemble = true;
    } else if (!std::strcmp(argv[i], "--print-isa-table")) {
      isaTable = true;
    } else if (!std::strcmp(argv[i], "-o")) {
      if (i + 1 == argc)
        return error("-o needs a file name ('-' for standard output)");
      out = argv[++i];
    } else if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
      std::printf("usage: snn-asm -d PROGRAM [-o OUT.s]\n"
                  "       snn-asm FILE.s -o PROGRAM\n"
                  "       snn-asm --print-isa-table [-o OUT]\n"
                  "'-' as an input is standard input, as -o standard output "
                  "(the default of -d).\n");
      return 0;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return error("unknown option " + rt::quoteForMessage(argv[i]) +
                   " (options: -d, -o FILE, --print-isa-table, -h)");
    } else if (in.empty()) {
      in = argv[i];
    } else {
      return error("more than one input file");
    }
  }
  if (isaTable) {
    if (!in.empty() || disassemble)
      return error("--print-isa-table takes no input and no -d");
    if (auto st = writeOutputFile(out.empty() ? "-" : out, rt::isaTable());
        !st.ok())
      return error(std::string(st.message()));
    return 0;
  }
  if (in.empty())
    return error("no input file (snn-asm -d PROGRAM, or snn-asm FILE.s -o "
                 "PROGRAM)");
  if (disassemble) {
    auto p = rt::readProgram(in, /*allowStdin=*/true);
    if (!p.ok())
      return error(std::string(p.status().message()));
    if (auto st = writeOutputFile(out.empty() ? "-" : out, rt::disassemble(*p));
        !st.ok())
      return error(std::string(st.message()));
    return 0;
  }
  if (out.empty())
    return error("assembling needs -o PROGRAM");
  ReadOptions options;
  options.what = "assembly source";
  options.maxBytes = rt::kMaxAssemblyBytes;
  options.allowStdin = true;
  auto text = readFile(in, options);
  if (!text.ok())
    return error(std::string(text.status().message()));
  auto p = rt::assemble(*text);
  if (!p.ok())
    return error(in + ": " + std::string(p.status().message()));
  if (auto st = rt::writeProgram(out, *p); !st.ok())
    return error(std::string(st.message()));
  return 0;
}
