//===- snn-run.cpp - run snn programs -------------------------------------===//
//
//   snn-run PROGRAM [--input NAME=FILE.npy ...] [--input-dir DIR]
//           --output-dir DIR [--report REPORT.json] [--trace TRACE.json]
//           [--target PRESET|FILE] [--quiet] [--max-calendar-buckets N]
//           [--max-operations N]
//
// runs a compiled program (snn-compile, snn-translate --emit-isa) on the
// cycle-level executor: outputs as DIR/<output name>.npy, the report as
// JSON, a summary table on stdout, optionally a Chrome trace.
//
//   snn-run --interpret FILE.mlir [--input NAME=FILE.npy ...]
//           [--input-dir DIR] --output-dir DIR
//
// runs a function with the reference interpreter and writes one
// DIR/<result name>.npy per result. Argument and result names come from the
// `snn.name` argument/result attributes (else arg<i> / result<i>).
//
// Inputs are regular .npy files (readNpy: at most kMaxNpyBytes) of finite
// values; --input-dir must be a directory and only binds names that are
// plain file names; options of the other mode are errors, not ignored.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNNHW/IR/SNNHW.h"
#include "spikestack/Interpreter/Interpreter.h"
#include "spikestack/Runtime/Executor.h"
#include "spikestack/Support/FileUtil.h"
#include "spikestack/Support/Npy.h"

#include "absl/strings/numbers.h"
#include "spikestack/Support/TextLimits.h"
#include "spikestack/Tools/CommandLine.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdio>

using namespace mlir;
using namespace spikestack;
namespace cl = llvm::cl;

static cl::opt<std::string>
    interpretFile("interpret", cl::desc("Run FILE.mlir with the reference "
                                        "interpreter"),
                  cl::value_desc("FILE.mlir"));
static cl::list<std::string>
    inputs("input", cl::desc("Bind argument NAME to a .npy file"),
           cl::value_desc("NAME=FILE.npy"));
static cl::opt<std::string>
    inputDir("input-dir",
             cl::desc("Bind each argument not given by --input to "
                      "DIR/<name>.npy"),
             cl::value_desc("DIR"));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Directory for the outputs"),
                                      cl::value_desc("DIR"), cl::init("."));
static cl::opt<std::string>
    entry("entry", cl::desc("Function to run (default: @main, else the "
                            "first function)"),
          cl::value_desc("NAME"));
static cl::opt<std::string> dumpTagged(
    "dump-tagged",
    cl::desc("Also write the value of every op of the entry function that "
             "carries snn.onnx_name (imported neurons and attention) to "
             "DIR/tap<k>.npy, listed in DIR/tagged.tsv"),
    cl::value_desc("DIR"));
static cl::opt<std::string> program(cl::Positional, cl::desc("[PROGRAM]"),
                                    cl::init(""));
static cl::opt<std::string>
    reportFile("report", cl::desc("Write the executor's report (JSON)"),
               cl::value_desc("REPORT.json"));
static cl::opt<std::string>
    traceFile("trace", cl::desc("Write a Chrome trace-event file (Perfetto)"),
              cl::value_desc("TRACE.json"));
static cl::opt<std::string>
    targetOverride("target",
                   cl::desc("Run on this target (default: the one the "
                            "program carries; it must be the same hardware)"),
                   cl::value_desc("PRESET|FILE"));
static cl::opt<bool> quiet("quiet", cl::desc("Do not print the summary"));
static cl::opt<std::string> maxCalendarBuckets(
    "max-calendar-buckets",
    cl::desc("Bound on the timing model's work and memory: bandwidth-"
             "calendar buckets one run may visit, 1 to 2^40 (default 2^25; "
             "very large models may need more)"),
    cl::value_desc("N"));
static cl::opt<std::string> maxOperations(
    "max-operations",
    cl::desc("Bound on the work of the layer table: multiply-accumulates, "
             "pooling window reads and element operations, estimated before "
             "the run, 1 to 2^50 (default 2^38, a few minutes)"),
    cl::value_desc("N"));
/// --max-calendar-buckets and --max-operations once validated.
static int64_t calendarBuckets = rt::RunOptions().maxCalendarBuckets;
static int64_t operations = rt::RunOptions().maxOperations;

static int error(const llvm::Twine &message) {
  llvm::errs() << "snn-run: error: " << message << "\n";
  return 1;
}

/// `s` for a message: at most 1024 bytes (any path; a 10 MB argument or
/// name is not echoed in full), then "...".
static std::string clipForMessage(llvm::StringRef s) {
  return s.size() <= 1024 ? s.str() : s.take_front(1024).str() + "...";
}

/// Checks the options that do not depend on the program or the MLIR file
/// (the counts into calendarBuckets and operations); prints the error and
/// returns 1 on a bad one.
static int validateOptions() {
  const bool interpret = interpretFile.getNumOccurrences() > 0;
  if (interpret && interpretFile.empty())
    return error("--interpret needs FILE.mlir");
  if (interpret && !program.empty())
    return error("pass either PROGRAM ('" + clipForMessage(program) +
                 "') or --interpret FILE.mlir, not both");
  // Options of the other mode would be silently ignored.
  std::vector<cl::Option *> others = {&reportFile, &traceFile,
                                      &targetOverride, &maxCalendarBuckets,
                                      &maxOperations};
  if (!interpret)
    others = {&entry, &dumpTagged};
  for (cl::Option *o : others)
    if (o->getNumOccurrences())
      return error("--" + o->ArgStr + (interpret ? " applies to running a "
                                                   "PROGRAM, not to --interpret"
                                                 : " applies to --interpret "
                                                   "FILE.mlir only"));
  // A count from 1 to 2^log2Max.
  auto count = [](cl::opt<std::string> &o, int log2Max, int64_t &value) {
    if (!o.getNumOccurrences())
      return 0;
    const int64_t max = int64_t(1) << log2Max;
    if (!absl::SimpleAtoi(o.getValue(), &value) || value < 1 || value > max)
      return error("--" + o.ArgStr + " must be an integer from 1 to 2^" +
                   std::to_string(log2Max) + " (" + std::to_string(max) +
                   "), got '" + clipForMessage(o.getValue()) + "'");
    return 0;
  };
  if (int rc = count(maxCalendarBuckets, 40, calendarBuckets))
    return rc;
  if (int rc = count(maxOperations, 50, operations))
    return rc;
  if (inputDir.getNumOccurrences()) {
    if (inputDir.empty())
      return error("--input-dir needs a directory");
    llvm::sys::fs::file_status st;
    if (llvm::sys::fs::status(inputDir, st) ||
        !llvm::sys::fs::exists(st))
      return error("--input-dir '" + clipForMessage(inputDir) +
                   "' does not exist");
    if (!llvm::sys::fs::is_directory(st))
      return error("--input-dir '" + clipForMessage(inputDir) +
                   "' is not a directory");
  }
  return 0;
}

/// A name that --input-dir may turn into DIR/<name>.npy: one plain path
/// component, so that names from a program or an MLIR file cannot point
/// outside DIR ("../x", "/etc/x").
static bool isPlainFileName(llvm::StringRef name) {
  return !name.empty() && name != "." && name != ".." && name.size() <= 250 &&
         !name.contains('/') && !name.contains('\\') && !name.contains('\0');
}

/// The file DIR/<name>.npy an output is written to: names from a program
/// or an MLIR file may hold any bytes ("../x", "a/b"), so every byte other
/// than [A-Za-z0-9._-] becomes '_' and a name that would still be "." or
/// ".." (or empty) gets a leading '_'. Outputs never leave DIR.
static std::string outputFileName(llvm::StringRef name) {
  std::string file;
  for (char c : name.take_front(200))
    file += llvm::isAlnum(c) || c == '.' || c == '_' || c == '-' ? c : '_';
  if (file.empty() || file == "." || file == "..")
    file = "_" + file;
  return file + ".npy";
}

/// The message for an input that nothing binds.
static std::string missingInput(const std::string &name,
                                const std::string &type) {
  std::string msg = "missing input '" + clipForMessage(name) + "' (" + type +
                    "); pass --input " + clipForMessage(name) + "=FILE.npy";
  if (!inputDir.empty())
    msg += " or put " + clipForMessage(name) + ".npy in " +
           clipForMessage(inputDir);
  return msg;
}

/// Binds inputs by name from --input and --input-dir; `owner` names what
/// takes them in the unknown-input message ("@main", "the program").
static int bindInputs(const std::vector<std::string> &names,
                      const std::string &owner,
                      llvm::StringMap<std::string> &files) {
  for (const std::string &spec : inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return error("--input expects NAME=FILE.npy, got '" + spec + "'");
    if (!files.try_emplace(spec.substr(0, eq), spec.substr(eq + 1)).second)
      return error("input '" + spec.substr(0, eq) + "' is given twice");
  }
  for (const auto &entry : files)
    if (llvm::find(names, entry.getKey()) == names.end())
      return error("unknown input '" + entry.getKey().str() + "'; " + owner +
                   " takes: " + llvm::join(names, ", "));
  for (const std::string &name : names) {
    if (files.count(name) || inputDir.empty())
      continue;
    if (!isPlainFileName(name))
      return error("input '" + clipForMessage(name) +
                   "' cannot be read from --input-dir: its name is not a "
                   "plain file name; pass --input NAME=FILE.npy");
    llvm::SmallString<256> path(inputDir);
    llvm::sys::path::append(path, name + ".npy");
    if (llvm::sys::fs::exists(path))
      files[name] = path.str().str();
  }
  return 0;
}

static int runProgram() {
  auto prog = rt::readProgram(program);
  if (!prog.ok())
    return error(std::string(prog.status().message()));
  // The program carries its target (a preset name or the target document);
  // no file the program names is opened. --target is the user's choice.
  auto target = targetOverride.empty()
                    ? rt::programTarget(*prog)
                    : hw::loadTarget(targetOverride.getValue());
  if (!target.ok())
    return error((targetOverride.empty() ? program + ": " : std::string()) +
                 std::string(target.status().message()));
  auto exec = rt::Executor::create(std::move(*prog), std::move(*target));
  if (!exec.ok())
    return error(program + ": " + std::string(exec.status().message()));
  const rt::Graph &g = (*exec)->program().graphs[0];
  llvm::StringMap<std::string> files;
  if (int rc = bindInputs(g.inputNames, "the program", files))
    return rc;
  std::vector<ref::Tensor> args;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const std::string &name = g.inputNames[i];
    const rt::ValueInfo &type = g.values[g.inputs[i]];
    auto it = files.find(name);
    if (it == files.end())
      return error(missingInput(
          name, ref::shapeToString(type.shape) + "x" + type.type.str()));
    auto array = readNpy(it->second);
    if (!array.ok())
      return error("input '" + name +
                   "': " + std::string(array.status().message()));
    auto tensor = rt::tensorFromNpy(*array, type);
    if (!tensor.ok())
      return error("input '" + name + "' (" + it->second + ") " +
                   std::string(tensor.status().message()));
    if (auto st = rt::checkFinite(*tensor, "input '" + name + "' (" +
                                               it->second + ")");
        !st.ok())
      return error(std::string(st.message()));
    args.push_back(std::move(*tensor));
  }
  rt::RunOptions options;
  options.trace = !traceFile.empty();
  options.maxCalendarBuckets = calendarBuckets;
  options.maxOperations = operations;
  auto result = (*exec)->run(args, options);
  if (!result.ok())
    return error(program + ": " + std::string(result.status().message()));

  // Everything is converted and written to temporaries first and renamed
  // at the end, so a failure leaves no output behind.
  OutputSet out;
  out.createDirectory(outputDir);
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    auto array =
        rt::tensorToNpy(result->outputs[i], g.values[g.outputs[i]].type);
    if (!array.ok())
      return error("output '" + g.outputNames[i] +
                   "': " + std::string(array.status().message()));
    llvm::SmallString<256> path(outputDir);
    llvm::sys::path::append(path, outputFileName(g.outputNames[i]));
    out.add(path.str().str(), serializeNpy(*array));
  }
  if (!reportFile.empty())
    out.add(reportFile, result->reportJson + "\n");
  if (!traceFile.empty())
    out.add(traceFile, result->traceJson);
  if (auto st = out.commit(); !st.ok())
    return error(std::string(st.message()));
  if (!quiet)
    llvm::outs() << result->summary;
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  parseToolCommandLine(
      argc, argv,
      "SpikeStack runner\n\n"
      "  snn-run PROGRAM [--input NAME=FILE.npy ...] [--input-dir DIR] "
      "--output-dir DIR [--report REPORT.json] [--trace TRACE.json]\n"
      "  snn-run --interpret FILE.mlir [--input NAME=FILE.npy ...] "
      "[--input-dir DIR] --output-dir DIR [--dump-tagged DIR]\n");
  if (int rc = validateOptions())
    return rc;

  if (interpretFile.empty()) {
    if (!program.empty())
      return runProgram();
    return error("nothing to run; pass PROGRAM or --interpret FILE.mlir");
  }

  DialectRegistry registry;
  registry.insert<snn::SNNDialect, snnhw::SNNHWDialect, func::FuncDialect, arith::ArithDialect,
                  tensor::TensorDialect, linalg::LinalgDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  auto text = readFile(interpretFile,
                       ReadOptions{"MLIR file", kMaxMlirFileBytes, true});
  if (!text.ok())
    return error(std::string(text.status().message()));
  if (auto st = checkNestingDepth(*text); !st.ok())
    return error(interpretFile + ":" + std::string(st.message()));
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBuffer(*text, interpretFile,
                                       /*RequiresNullTerminator=*/false),
      SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1; // the parser already reported the error with its location

  func::FuncOp func;
  if (!entry.empty()) {
    func = module->lookupSymbol<func::FuncOp>(entry);
    if (!func)
      return error("no function @" + entry + " in " + interpretFile);
  } else {
    func = module->lookupSymbol<func::FuncOp>("main");
    if (!func)
      for (auto f : module->getOps<func::FuncOp>())
        if (!f.isExternal()) {
          func = f;
          break;
        }
    if (!func)
      return error("no function to run in " + interpretFile);
  }

  // Bind the inputs by name.
  std::vector<std::string> names;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    names.push_back(argumentName(func, i));
  llvm::StringMap<std::string> files;
  if (int rc = bindInputs(names, "@" + func.getSymName().str(), files))
    return rc;

  std::vector<ref::Tensor> args;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto type = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
    if (!type)
      return error("argument '" + names[i] + "' is not a ranked tensor");
    auto it = files.find(names[i]);
    std::string typeStr;
    llvm::raw_string_ostream os(typeStr);
    os << type;
    if (it == files.end())
      return error(missingInput(names[i], typeStr));
    auto array = readNpy(it->second);
    if (!array.ok())
      return error("input '" + names[i] + "': " +
                   std::string(array.status().message()));
    auto tensor = tensorFromNpy(*array, type);
    if (!tensor.ok())
      return error("input '" + names[i] + "' (" + it->second + ") " +
                   std::string(tensor.status().message()));
    if (auto st = rt::checkFinite(*tensor, "input '" + names[i] + "' (" +
                                               it->second + ")");
        !st.ok())
      return error(std::string(st.message()));
    args.push_back(std::move(*tensor));
  }

  // Tagged values of the entry function's own ops (not of called
  // functions or regions, which may run many times).
  struct Tap {
    std::string onnxName, opName;
    NpyArray array;
  };
  std::vector<Tap> taps;
  std::string tapError;
  InterpretObserver observe;
  if (!dumpTagged.empty())
    observe = [&](Operation &op, const std::vector<ref::Tensor> &values) {
      auto tag = op.getAttrOfType<StringAttr>("snn.onnx_name");
      if (!tag || op.getParentOp() != func.getOperation() || values.empty() ||
          !tapError.empty())
        return;
      auto array = tensorToNpy(values[0],
                               cast<RankedTensorType>(op.getResultTypes()[0]));
      if (!array.ok()) {
        tapError = "value of " + op.getName().getStringRef().str() + " (" +
                   tag.getValue().str() +
                   "): " + std::string(array.status().message());
        return;
      }
      std::string name = tag.getValue().str();
      for (char &c : name) // keep tagged.tsv one line per tap
        if (c == '\t' || c == '\n' || c == '\r')
          c = ' ';
      taps.push_back({std::move(name),
                      op.getName().getStringRef().str(), std::move(*array)});
    };
  auto results = interpretFunction(func, args, observe);
  if (failed(results))
    return 1;
  if (!tapError.empty())
    return error(tapError);

  // Everything is converted and written to temporaries first and renamed
  // at the end, so a failure leaves no output behind.
  OutputSet out;
  out.createDirectory(outputDir);
  for (unsigned i = 0; i < results->size(); ++i) {
    auto type = cast<RankedTensorType>(func.getResultTypes()[i]);
    auto array = tensorToNpy((*results)[i], type);
    if (!array.ok())
      return error("result '" + resultName(func, i) +
                   "': " + std::string(array.status().message()));
    llvm::SmallString<256> path(outputDir);
    llvm::sys::path::append(path, outputFileName(resultName(func, i)));
    out.add(path.str().str(), serializeNpy(*array));
  }
  if (!dumpTagged.empty()) {
    out.createDirectory(dumpTagged);
    std::string index = "# file\tonnx tensor\top\n";
    for (auto [k, tap] : llvm::enumerate(taps)) {
      const std::string file = "tap" + std::to_string(k) + ".npy";
      llvm::SmallString<256> path(dumpTagged);
      llvm::sys::path::append(path, file);
      out.add(path.str().str(), serializeNpy(tap.array));
      index += file + "\t" + tap.onnxName + "\t" + tap.opName + "\n";
    }
    llvm::SmallString<256> indexPath(dumpTagged);
    llvm::sys::path::append(indexPath, "tagged.tsv");
    out.add(indexPath.str().str(), index);
  }
  if (auto st = out.commit(); !st.ok())
    return error(std::string(st.message()));
  return 0;
}
