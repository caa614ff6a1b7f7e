//===- RunInputs.h - inputs and outputs of snn-run and snn-interpret -*- C++ -*-===//
//
// Part of the SpikeStack project.
//
//===----------------------------------------------------------------------===//
//
// What the executor (`snn-run PROGRAM`) and the reference interpreter
// (`snn-interpret FILE.mlir`) share on the command line: binding inputs by
// name from `--input NAME=FILE.npy` and `--input-dir DIR`, the file an
// output is written to, and the wording of their messages. LLVM Support
// only (no MLIR): the executor links it.
//
// Each function returns the error message, or an empty string when all is
// well; the tool prints it after "<tool>: error: ".
//
//===----------------------------------------------------------------------===//

#ifndef SPIKESTACK_TOOLS_RUNINPUTS_H
#define SPIKESTACK_TOOLS_RUNINPUTS_H

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <string>
#include <vector>

namespace spikestack::tools {

/// `s` for a message: at most 1024 bytes (any path; a 10 MB argument or
/// name is not echoed in full), then "...".
inline std::string clipForMessage(llvm::StringRef s) {
  return s.size() <= 1024 ? s.str() : s.take_front(1024).str() + "...";
}

/// Checks `--input-dir DIR` when it is given: DIR must be a directory.
inline std::string checkInputDir(bool given, const std::string &dir) {
  if (!given)
    return "";
  if (dir.empty())
    return "--input-dir needs a directory";
  llvm::sys::fs::file_status st;
  if (llvm::sys::fs::status(dir, st) || !llvm::sys::fs::exists(st))
    return "--input-dir '" + clipForMessage(dir) + "' does not exist";
  if (!llvm::sys::fs::is_directory(st))
    return "--input-dir '" + clipForMessage(dir) + "' is not a directory";
  return "";
}

/// A name that --input-dir may turn into DIR/<name>.npy: one plain path
/// component, so that names from a program or an MLIR file cannot point
/// outside DIR ("../x", "/etc/x").
inline bool isPlainFileName(llvm::StringRef name) {
  return !name.empty() && name != "." && name != ".." && name.size() <= 250 &&
         !name.contains('/') && !name.contains('\\') && !name.contains('\0');
}

/// The file DIR/<name>.npy an output is written to: names from a program
/// or an MLIR file may hold any bytes ("../x", "a/b"), so every byte other
/// than [A-Za-z0-9._-] becomes '_' and a name that would still be "." or
/// ".." (or empty) gets a leading '_'. Outputs never leave DIR.
inline std::string outputFileName(llvm::StringRef name) {
  std::string file;
  for (char c : name.take_front(200))
    file += llvm::isAlnum(c) || c == '.' || c == '_' || c == '-' ? c : '_';
  if (file.empty() || file == "." || file == "..")
    file = "_" + file;
  return file + ".npy";
}

/// DIR/<file name of output `name`>.
inline std::string outputPath(llvm::StringRef dir, llvm::StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, outputFileName(name));
  return path.str().str();
}

/// The message for an input that nothing binds.
inline std::string missingInput(const std::string &name,
                                const std::string &type,
                                const std::string &inputDir) {
  std::string msg = "missing input '" + clipForMessage(name) + "' (" + type +
                    "); pass --input " + clipForMessage(name) + "=FILE.npy";
  if (!inputDir.empty())
    msg += " or put " + clipForMessage(name) + ".npy in " +
           clipForMessage(inputDir);
  return msg;
}

/// Binds the inputs `names` to files from `--input` specs and `inputDir`;
/// `owner` names what takes them in the unknown-input message ("@main",
/// "the program").
inline std::string bindInputs(const std::vector<std::string> &specs,
                              const std::string &inputDir,
                              const std::vector<std::string> &names,
                              const std::string &owner,
                              llvm::StringMap<std::string> &files) {
  for (const std::string &spec : specs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return "--input expects NAME=FILE.npy, got '" + spec + "'";
    if (!files.try_emplace(spec.substr(0, eq), spec.substr(eq + 1)).second)
      return "input '" + spec.substr(0, eq) + "' is given twice";
  }
  for (const auto &entry : files)
    if (llvm::find(names, entry.getKey()) == names.end())
      return "unknown input '" + entry.getKey().str() + "'; " + owner +
             " takes: " + llvm::join(names, ", ");
  for (const std::string &name : names) {
    if (files.count(name) || inputDir.empty())
      continue;
    if (!isPlainFileName(name))
      return "input '" + clipForMessage(name) +
             "' cannot be read from --input-dir: its name is not a "
             "plain file name; pass --input NAME=FILE.npy";
    llvm::SmallString<256> path(inputDir);
    llvm::sys::path::append(path, name + ".npy");
    if (llvm::sys::fs::exists(path))
      files[name] = path.str().str();
  }
  return "";
}

} // namespace spikestack::tools

#endif // SPIKESTACK_TOOLS_RUNINPUTS_H
