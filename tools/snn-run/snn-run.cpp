//===- snn-run.cpp - run snn programs -------------------------------------===//
//
//   snn-run PROGRAM [--input NAME=FILE.npy ...] [--input-dir DIR]
//           --output-dir DIR [--report REPORT.json] [--trace TRACE.json]
//           [--target PRESET|FILE] [--quiet] [--max-calendar-buckets N]
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
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNNHW/IR/SNNHW.h"
#include "spikestack/Interpreter/Interpreter.h"
#include "spikestack/Runtime/Executor.h"
#include "spikestack/Support/FileUtil.h"
#include "spikestack/Support/Npy.h"

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
#include "llvm/Support/ToolOutputFile.h"

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
                            "program names; it must be the same hardware)"),
                   cl::value_desc("PRESET|FILE"));
static cl::opt<bool> quiet("quiet", cl::desc("Do not print the summary"));
static cl::opt<int64_t> maxCalendarBuckets(
    "max-calendar-buckets",
    cl::desc("Bound on the timing model's work and memory: bandwidth-"
             "calendar buckets one run may visit (default 2^25; very large "
             "models may need more)"),
    cl::init(rt::RunOptions().maxCalendarBuckets));

static int error(const llvm::Twine &message) {
  llvm::errs() << "snn-run: error: " << message << "\n";
  return 1;
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
  const std::string targetName =
      targetOverride.empty() ? prog->target : targetOverride.getValue();
  auto target = hw::loadTarget(targetName);
  if (!target.ok())
    return error(std::string(target.status().message()));
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
      return error("missing input '" + name + "' (" +
                   ref::shapeToString(type.shape) + "x" + type.type.str() +
                   "); pass --input " + name + "=FILE.npy");
    auto array = readNpy(it->second);
    if (!array.ok())
      return error("input '" + name +
                   "': " + std::string(array.status().message()));
    auto tensor = rt::tensorFromNpy(*array, type);
    if (!tensor.ok())
      return error("input '" + name + "' (" + it->second + ") " +
                   std::string(tensor.status().message()));
    args.push_back(std::move(*tensor));
  }
  rt::RunOptions options;
  options.trace = !traceFile.empty();
  options.maxCalendarBuckets = maxCalendarBuckets;
  auto result = (*exec)->run(args, options);
  if (!result.ok())
    return error(program + ": " + std::string(result.status().message()));

  // Convert everything first so that a failure leaves no output behind.
  std::vector<std::pair<std::string, NpyArray>> outputs;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    auto array =
        rt::tensorToNpy(result->outputs[i], g.values[g.outputs[i]].type);
    if (!array.ok())
      return error("output '" + g.outputNames[i] +
                   "': " + std::string(array.status().message()));
    llvm::SmallString<256> path(outputDir);
    llvm::sys::path::append(path, g.outputNames[i] + ".npy");
    outputs.emplace_back(path.str().str(), std::move(*array));
  }
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return error("cannot create output directory '" + outputDir +
                 "': " + ec.message());
  for (auto &[path, array] : outputs)
    if (auto st = writeNpy(path, array); !st.ok())
      return error(std::string(st.message()));
  if (!reportFile.empty())
    if (auto st = writeFileAtomically(reportFile, result->reportJson + "\n");
        !st.ok())
      return error(std::string(st.message()));
  if (!traceFile.empty())
    if (auto st = writeFileAtomically(traceFile, result->traceJson); !st.ok())
      return error(std::string(st.message()));
  if (!quiet)
    llvm::outs() << result->summary;
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv,
      "SpikeStack runner\n\n"
      "  snn-run PROGRAM [--input NAME=FILE.npy ...] [--input-dir DIR] "
      "--output-dir DIR [--report REPORT.json] [--trace TRACE.json]\n"
      "  snn-run --interpret FILE.mlir [--input NAME=FILE.npy ...] "
      "[--input-dir DIR] --output-dir DIR [--dump-tagged DIR]\n");

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

  std::string errorMessage;
  auto file = openInputFile(interpretFile, &errorMessage);
  if (!file)
    return error(errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), SMLoc());
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
      return error("missing input '" + names[i] + "' (" + typeStr +
                   "); pass --input " + names[i] + "=FILE.npy" +
                   (inputDir.empty() ? ""
                                     : " or put " + names[i] + ".npy in " +
                                           inputDir));
    auto array = readNpy(it->second);
    if (!array.ok())
      return error("input '" + names[i] + "': " +
                   std::string(array.status().message()));
    auto tensor = tensorFromNpy(*array, type);
    if (!tensor.ok())
      return error("input '" + names[i] + "' (" + it->second + ") " +
                   std::string(tensor.status().message()));
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

  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return error("cannot create output directory '" + outputDir +
                 "': " + ec.message());
  // Convert everything first so that a failure leaves no output behind.
  std::vector<std::pair<std::string, NpyArray>> outputs;
  for (unsigned i = 0; i < results->size(); ++i) {
    auto type = cast<RankedTensorType>(func.getResultTypes()[i]);
    auto array = tensorToNpy((*results)[i], type);
    if (!array.ok())
      return error("result '" + resultName(func, i) +
                   "': " + std::string(array.status().message()));
    llvm::SmallString<256> path(outputDir);
    llvm::sys::path::append(path, resultName(func, i) + ".npy");
    outputs.emplace_back(path.str().str(), std::move(*array));
  }
  for (auto &[path, array] : outputs)
    if (auto st = writeNpy(path, array); !st.ok())
      return error(std::string(st.message()));

  if (dumpTagged.empty())
    return 0;
  if (std::error_code ec = llvm::sys::fs::create_directories(dumpTagged))
    return error("cannot create directory '" + dumpTagged +
                 "': " + ec.message());
  std::string index = "# file\tonnx tensor\top\n";
  for (auto [k, tap] : llvm::enumerate(taps)) {
    const std::string file = "tap" + std::to_string(k) + ".npy";
    llvm::SmallString<256> path(dumpTagged);
    llvm::sys::path::append(path, file);
    if (auto st = writeNpy(path.str().str(), tap.array); !st.ok())
      return error(std::string(st.message()));
    index += file + "\t" + tap.onnxName + "\t" + tap.opName + "\n";
  }
  llvm::SmallString<256> indexPath(dumpTagged);
  llvm::sys::path::append(indexPath, "tagged.tsv");
  if (auto st = writeFileAtomically(indexPath.str().str(), index); !st.ok())
    return error(std::string(st.message()));
  return 0;
}
