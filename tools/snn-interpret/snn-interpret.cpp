//===- snn-interpret.cpp - run MLIR with the reference interpreter --------===//
//
//   snn-interpret FILE.mlir [--input NAME=FILE.npy ...] [--input-dir DIR]
//                 --output-dir DIR [--entry NAME] [--dump-tagged DIR]
//
// runs a function with the reference interpreter and writes one
// DIR/<result name>.npy per result. Argument and result names come from the
// `snn.name` argument/result attributes (else arg<i> / result<i>).
// `snn-run --interpret FILE.mlir ...` runs this binary with its own command
// line (then messages name snn-run; `--interpret FILE` is accepted here for
// it).
//
// Inputs are regular .npy files (readNpy: at most kMaxNpyBytes) of finite
// values; --input-dir must be a directory and only binds names that are
// plain file names.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNNHW/IR/SNNHW.h"
#include "spikestack/Interpreter/Interpreter.h"
#include "spikestack/Runtime/Executor.h"
#include "spikestack/Support/FileUtil.h"
#include "spikestack/Support/Npy.h"
#include "spikestack/Support/TextLimits.h"
#include "spikestack/Tools/CommandLine.h"
#include "spikestack/Tools/RunInputs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace spikestack;
using namespace spikestack::tools;
namespace cl = llvm::cl;

static cl::OptionCategory interpretCategory("snn-interpret options");

static cl::opt<std::string> positionalFile(cl::Positional,
                                           cl::desc("FILE.mlir"), cl::init(""),
                                           cl::cat(interpretCategory));
static cl::opt<std::string>
    interpretFile("interpret", cl::Hidden,
                  cl::desc("FILE.mlir (the form of snn-run --interpret)"),
                  cl::value_desc("FILE.mlir"));
static cl::list<std::string>
    inputs("input", cl::desc("Bind argument NAME to a .npy file"),
           cl::value_desc("NAME=FILE.npy"), cl::cat(interpretCategory));
static cl::opt<std::string>
    inputDir("input-dir",
             cl::desc("Bind each argument not given by --input to "
                      "DIR/<name>.npy"),
             cl::value_desc("DIR"), cl::cat(interpretCategory));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Directory for the outputs"),
                                      cl::value_desc("DIR"), cl::init("."),
                                      cl::cat(interpretCategory));
static cl::opt<std::string>
    entry("entry", cl::desc("Function to run (default: @main, else the "
                            "first function)"),
          cl::value_desc("NAME"), cl::cat(interpretCategory));
static cl::opt<std::string> dumpTagged(
    "dump-tagged",
    cl::desc("Also write the value of every op of the entry function that "
             "carries snn.onnx_name (imported neurons and attention) to "
             "DIR/tap<k>.npy, listed in DIR/tagged.tsv"),
    cl::value_desc("DIR"), cl::cat(interpretCategory));
// Accepted for `snn-run --interpret --quiet`; the interpreter prints no
// summary.
static cl::opt<bool> quiet("quiet", cl::Hidden, cl::desc("(no effect)"));

/// The name messages start with: this binary's, or snn-run's when snn-run
/// runs it.
static std::string toolName = "snn-interpret";

static int error(const llvm::Twine &message) {
  llvm::errs() << toolName << ": error: " << message << "\n";
  return 1;
}

/// Parses FILE.mlir; null after the parser reported the error.
static OwningOpRef<ModuleOp> parseInput(const std::string &file,
                                        MLIRContext &context,
                                        llvm::SourceMgr &sourceMgr) {
  auto text = readFile(file, ReadOptions{"MLIR file", kMaxMlirFileBytes, true});
  if (!text.ok()) {
    error(std::string(text.status().message()));
    return nullptr;
  }
  if (auto st = checkNestingDepth(*text); !st.ok()) {
    error(file + ":" + std::string(st.message()));
    return nullptr;
  }
  // The source manager keeps its own copy: diagnostics of the run quote
  // the source long after this function returns.
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(*text, file),
                               SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, &context);
}

/// The function to run: --entry, else @main, else the first defined one.
static func::FuncOp findEntry(ModuleOp module, const std::string &file) {
  if (!entry.empty()) {
    auto func = module.lookupSymbol<func::FuncOp>(entry);
    if (!func)
      error("no function @" + entry + " in " + file);
    return func;
  }
  auto func = module.lookupSymbol<func::FuncOp>("main");
  if (!func)
    for (auto f : module.getOps<func::FuncOp>())
      if (!f.isExternal()) {
        func = f;
        break;
      }
  if (!func)
    error("no function to run in " + file);
  return func;
}

/// Binds, reads and checks the arguments of `func` into `args`.
static int readInputs(func::FuncOp func, std::vector<ref::Tensor> &args) {
  std::vector<std::string> names;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    names.push_back(argumentName(func, i));
  llvm::StringMap<std::string> files;
  if (std::string msg = bindInputs(inputs, inputDir, names,
                                   "@" + func.getSymName().str(), files);
      !msg.empty())
    return error(msg);
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto type = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
    if (!type)
      return error("argument '" + names[i] + "' is not a ranked tensor");
    auto it = files.find(names[i]);
    std::string typeStr;
    llvm::raw_string_ostream os(typeStr);
    os << type;
    if (it == files.end())
      return error(missingInput(names[i], typeStr, inputDir));
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
  return 0;
}

namespace {
/// A tagged value of the entry function's own ops (--dump-tagged).
struct Tap {
  std::string onnxName, opName;
  NpyArray array;
};
} // namespace

/// The observer that collects the values tagged with snn.onnx_name of the
/// entry function's own ops (not of called functions or regions, which may
/// run many times); the first failure goes to `tapError`.
static InterpretObserver tapObserver(func::FuncOp func, std::vector<Tap> &taps,
                                     std::string &tapError) {
  Operation *funcOp = func.getOperation();
  return [funcOp, &taps, &tapError](Operation &op,
                                    const std::vector<ref::Tensor> &values) {
    auto tag = op.getAttrOfType<StringAttr>(snn::kOnnxNameAttr);
    if (!tag || op.getParentOp() != funcOp || values.empty() ||
        !tapError.empty())
      return;
    auto array =
        tensorToNpy(values[0], cast<RankedTensorType>(op.getResultTypes()[0]));
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
    taps.push_back(
        {std::move(name), op.getName().getStringRef().str(), std::move(*array)});
  };
}

/// Adds DIR/tap<k>.npy and DIR/tagged.tsv to `out`.
static void addTaps(OutputSet &out, const std::vector<Tap> &taps) {
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

static int interpret(const std::string &file) {
  DialectRegistry registry;
  registry.insert<snn::SNNDialect, snnhw::SNNHWDialect, func::FuncDialect,
                  arith::ArithDialect, tensor::TensorDialect,
                  linalg::LinalgDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseInput(file, context, sourceMgr);
  if (!module)
    return 1; // the reader or the parser already reported the error
  func::FuncOp func = findEntry(*module, file);
  if (!func)
    return 1;
  std::vector<ref::Tensor> args;
  if (int rc = readInputs(func, args))
    return rc;

  std::vector<Tap> taps;
  std::string tapError;
  InterpretObserver observe;
  if (!dumpTagged.empty())
    observe = tapObserver(func, taps, tapError);
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
    out.add(outputPath(outputDir, resultName(func, i)), serializeNpy(*array));
  }
  if (!dumpTagged.empty())
    addTaps(out, taps);
  if (auto st = out.commit(); !st.ok())
    return error(std::string(st.message()));
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  llvm::StringRef self = llvm::sys::path::filename(argv[0]);
  if (!self.empty())
    toolName = self.str();
  parseToolCommandLine(
      argc, argv,
      "SpikeStack reference interpreter: runs a function of an MLIR file\n\n"
      "  snn-interpret FILE.mlir [--input NAME=FILE.npy ...] [--input-dir "
      "DIR] --output-dir DIR [--entry NAME] [--dump-tagged DIR]\n",
      {&interpretCategory});
  if (interpretFile.getNumOccurrences() && !positionalFile.empty())
    return error("pass FILE.mlir once, not also as --interpret");
  std::string file = interpretFile.getNumOccurrences()
                         ? interpretFile.getValue()
                         : positionalFile.getValue();
  if (file.empty())
    return error("nothing to run; pass FILE.mlir");
  if (std::string msg =
          checkInputDir(inputDir.getNumOccurrences() > 0, inputDir);
      !msg.empty())
    return error(msg);
  return interpret(file);
}
