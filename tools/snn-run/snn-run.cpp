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
//   snn-run PROGRAM --dense [--report REPORT.json] [--trace TRACE.json] ...
//
// is the program's static estimate (Executor::estimate): the same timing
// model without inputs, every vector dense and every expert run.
//
//   snn-run --interpret FILE.mlir [...]
//
// is `snn-interpret FILE.mlir [...]` (the reference interpreter, a separate
// binary beside this one): after checking that no option of the executor
// is given, snn-run runs it with the same arguments.
//
// Inputs are regular .npy files (readNpy: at most kMaxNpyBytes) of finite
// values; --input-dir must be a directory and only binds names that are
// plain file names; options of the other mode are errors, not ignored.
//
// Links no MLIR: lib/Runtime, lib/Hardware, lib/Reference, lib/Support and
// LLVM Support (static) only.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Runtime/Executor.h"
#include "spikestack/Support/FileUtil.h"
#include "spikestack/Support/Npy.h"
#include "spikestack/Tools/CommandLine.h"
#include "spikestack/Tools/RunInputs.h"

#include "absl/strings/numbers.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

using namespace spikestack;
using namespace spikestack::tools;
namespace cl = llvm::cl;

static cl::OptionCategory runCategory("snn-run options");

static cl::opt<std::string> program(cl::Positional, cl::desc("[PROGRAM]"),
                                    cl::init(""), cl::cat(runCategory));
static cl::list<std::string>
    inputs("input", cl::desc("Bind argument NAME to a .npy file"),
           cl::value_desc("NAME=FILE.npy"), cl::cat(runCategory));
static cl::opt<std::string>
    inputDir("input-dir",
             cl::desc("Bind each argument not given by --input to "
                      "DIR/<name>.npy"),
             cl::value_desc("DIR"), cl::cat(runCategory));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Directory for the outputs"),
                                      cl::value_desc("DIR"), cl::init("."),
                                      cl::cat(runCategory));
static cl::opt<std::string>
    reportFile("report", cl::desc("Write the executor's report (JSON)"),
               cl::value_desc("REPORT.json"), cl::cat(runCategory));
static cl::opt<std::string>
    traceFile("trace", cl::desc("Write a Chrome trace-event file (Perfetto)"),
              cl::value_desc("TRACE.json"), cl::cat(runCategory));
static cl::opt<std::string>
    targetOverride("target",
                   cl::desc("Run on this target (default: the one the "
                            "program carries; it must be the same hardware)"),
                   cl::value_desc("PRESET|FILE"), cl::cat(runCategory));
static cl::opt<std::string>
    corner("corner",
           cl::desc("Technology corner for energy (typical, hot, worst, or "
                    "one the target's table defines; default: the "
                    "target's, typical unless its file says `corner`)"),
           cl::value_desc("NAME"), cl::cat(runCategory));
static cl::opt<bool> quiet("quiet", cl::desc("Do not print the summary"),
                           cl::cat(runCategory));
static cl::opt<bool>
    dense("dense",
          cl::desc("No inputs: time the program as if every vector had "
                   "spikes and every expert tokens (the static estimate)"),
          cl::cat(runCategory));
static cl::opt<std::string> maxCalendarBuckets(
    "max-calendar-buckets",
    cl::desc("Bound on the timing model's work and memory: bandwidth-"
             "calendar buckets one run may visit, 1 to 2^40 (default 2^25; "
             "very large models may need more)"),
    cl::value_desc("N"), cl::cat(runCategory));
static cl::opt<std::string> maxOperations(
    "max-operations",
    cl::desc("Bound on the work of the layer table: multiply-accumulates, "
             "pooling window reads and element operations, estimated before "
             "the run, 1 to 2^50 (default 2^38, a few minutes)"),
    cl::value_desc("N"), cl::cat(runCategory));
// The interpreter's options, known here so that `snn-run --interpret` can
// refuse a mix of the two modes before it runs snn-interpret.
static cl::opt<std::string>
    interpretFile("interpret",
                  cl::desc("Run FILE.mlir with the reference interpreter "
                           "instead (snn-interpret; see its --help)"),
                  cl::value_desc("FILE.mlir"), cl::cat(runCategory));
static cl::opt<std::string> entry("entry", cl::Hidden,
                                  cl::desc("(snn-interpret)"));
static cl::opt<std::string> dumpTagged("dump-tagged", cl::Hidden,
                                       cl::desc("(snn-interpret)"));

/// --max-calendar-buckets and --max-operations once validated.
static int64_t calendarBuckets = rt::RunOptions().maxCalendarBuckets;
static int64_t operations = rt::RunOptions().maxOperations;

static int error(const llvm::Twine &message) {
  llvm::errs() << "snn-run: error: " << message << "\n";
  return 1;
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
  std::vector<cl::Option *> others = {&reportFile,         &traceFile,
                                      &targetOverride,     &corner,
                                      &maxCalendarBuckets, &maxOperations};
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
  if (dense && interpret)
    return error("--dense applies to running a PROGRAM, not to --interpret");
  if (dense && (inputs.getNumOccurrences() || inputDir.getNumOccurrences() ||
                outputDir.getNumOccurrences()))
    return error("--dense runs the program without inputs and writes no "
                 "outputs; drop --input, --input-dir and --output-dir");
  if (int rc = count(maxCalendarBuckets, 40, calendarBuckets))
    return rc;
  if (int rc = count(maxOperations, 50, operations))
    return rc;
  if (std::string msg =
          checkInputDir(inputDir.getNumOccurrences() > 0, inputDir);
      !msg.empty())
    return error(msg);
  return 0;
}

/// Reads and checks the program's inputs into `args`.
static int readInputs(const rt::Graph &g, std::vector<ref::Tensor> &args) {
  llvm::StringMap<std::string> files;
  if (std::string msg =
          bindInputs(inputs, inputDir, g.inputNames, "the program", files);
      !msg.empty())
    return error(msg);
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const std::string &name = g.inputNames[i];
    const rt::ValueInfo &type = g.values[g.inputs[i]];
    auto it = files.find(name);
    if (it == files.end())
      return error(missingInput(
          name, ref::shapeToString(type.shape) + "x" + type.type.str(),
          inputDir));
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
  if (corner.getNumOccurrences())
    if (absl::Status st = hw::selectCorner(*target, corner); !st.ok())
      return error("--corner: " + std::string(st.message()));
  auto exec = rt::Executor::create(std::move(*prog), std::move(*target));
  if (!exec.ok())
    return error(program + ": " + std::string(exec.status().message()));
  const rt::Graph &g = (*exec)->program().graphs[0];
  std::vector<ref::Tensor> args;
  if (!dense)
    if (int rc = readInputs(g, args))
      return rc;
  rt::RunOptions options;
  options.trace = !traceFile.empty();
  options.maxCalendarBuckets = calendarBuckets;
  options.maxOperations = operations;
  auto result =
      dense ? (*exec)->estimate(options) : (*exec)->run(args, options);
  if (!result.ok())
    return error(program + ": " + std::string(result.status().message()));

  // Everything is converted and written to temporaries first and renamed
  // at the end, so a failure leaves no output behind.
  OutputSet out;
  if (!dense)
    out.createDirectory(outputDir);
  for (size_t i = 0; i < result->outputs.size(); ++i) {
    auto array =
        rt::tensorToNpy(result->outputs[i], g.values[g.outputs[i]].type);
    if (!array.ok())
      return error("output '" + g.outputNames[i] +
                   "': " + std::string(array.status().message()));
    out.add(outputPath(outputDir, g.outputNames[i]), serializeNpy(*array));
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

/// Runs snn-interpret, from the directory of this binary, with this
/// command line (argv[0] stays, so its messages name snn-run).
static int runInterpreter(char **argv) {
  std::string self =
      llvm::sys::fs::getMainExecutable(argv[0], (void *)&runInterpreter);
  llvm::SmallString<256> path(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(path, "snn-interpret");
  llvm::outs().flush();
  llvm::errs().flush();
  execv(path.c_str(), argv);
  return error("cannot run '" + path + "' for --interpret: " +
               std::strerror(errno));
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  parseToolCommandLine(
      argc, argv,
      "SpikeStack executor: runs a compiled program\n\n"
      "  snn-run PROGRAM [--input NAME=FILE.npy ...] [--input-dir DIR] "
      "--output-dir DIR [--report REPORT.json] [--trace TRACE.json]\n"
      "  snn-run --interpret FILE.mlir ...   (runs snn-interpret FILE.mlir "
      "...)\n",
      {&runCategory});
  if (int rc = validateOptions())
    return rc;
  if (interpretFile.getNumOccurrences())
    return runInterpreter(argv);
  if (!program.empty())
    return runProgram();
  return error("nothing to run; pass PROGRAM or --interpret FILE.mlir");
}
