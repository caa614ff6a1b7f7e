//===- CommandLine.h - Command-line parsing shared by the tools -*- C++ -*-===//
//
// Part of the SpikeStack project.
//
//===----------------------------------------------------------------------===//
//
// One entry point for the tools' option parsing on top of llvm::cl, with
// the rules every SpikeStack tool follows:
// - an option the tool does not know is an error (one line naming it,
//   exit 1). llvm::cl treats any unknown option that starts with "-h"
//   ("--head-keep-ratio=0.5") as a request for help and exits 0, which
//   would silently do nothing; such arguments are rejected first;
// - `--help` lists the tool's own option category (plus `extra`
//   categories) instead of every LLVM option.
//
//===----------------------------------------------------------------------===//

#ifndef SPIKESTACK_TOOLS_COMMANDLINE_H
#define SPIKESTACK_TOOLS_COMMANDLINE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

namespace spikestack {

/// Parses the command line; exits with status 1 after one line naming an
/// unknown option.
inline void parseToolCommandLine(
    int argc, char **argv, llvm::StringRef overview,
    llvm::ArrayRef<const llvm::cl::OptionCategory *> categories = {}) {
  llvm::StringRef tool = llvm::StringRef(argv[0]).rsplit('/').second;
  if (tool.empty())
    tool = argv[0];
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg(argv[i]);
    if (arg == "--")
      break;
    llvm::StringRef name = arg.ltrim('-').split('=').first;
    if (!arg.starts_with("-") || !name.starts_with("h"))
      continue;
    if (name == "h" || name == "help" || name == "help-hidden" ||
        name == "help-list" || name == "help-list-hidden")
      continue;
    if (llvm::cl::getRegisteredOptions().count(name))
      continue;
    llvm::errs() << tool << ": error: unknown option '" << arg
                 << "'; see '" << tool << " --help'\n";
    std::exit(1);
  }
  if (!categories.empty())
    llvm::cl::HideUnrelatedOptions(categories);
  if (!llvm::cl::ParseCommandLineOptions(argc, argv, overview, &llvm::errs()))
    std::exit(1);
}

} // namespace spikestack

#endif // SPIKESTACK_TOOLS_COMMANDLINE_H
