//===- snn-compile.cpp - ONNX model -> executable program -----------------===//
//
//   snn-compile MODEL.onnx [--target PRESET|FILE] -o PROGRAM
//               [--emit=program|asm|hw|mlir] [--weight-bits 8|4]
//               [--seed N] [--dataflow auto|weight_stationary|output_stationary]
//               [--row-tiles=false] [--plan-report FILE] [--input-shape NAME=1x3x32x32]
//               [--mlir-print-ir-after-all] [--mlir-timing] ...
//
// runs the ONNX import, the --snn-to-hw pipeline (built directly with
// buildSNNToHWPipeline, so any path works as --target or --plan-report)
// and the program export in one process. The usual pass-manager flags
// (IR printing, timing, statistics) apply to the pipeline. --emit stops
// early: `mlir` writes the imported snn IR, `hw` the lowered module (snn
// layer table + snnhw streams), `asm` the program's assembly, `program`
// (default) the binary container for snn-run. Outputs are written
// atomically.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Runtime/Executor.h"
#include "spikestack/Support/FileUtil.h"
#include "spikestack/Target/ISA/ExportProgram.h"
#include "spikestack/Target/NIR/ImportNIR.h"
#include "spikestack/Target/ONNX/ImportONNX.h"
#include "spikestack/Tools/CommandLine.h"

#include "absl/strings/str_cat.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("snn-compile options");
static cl::opt<std::string> input(cl::Positional, cl::desc("MODEL.onnx|MODEL.nir"),
                                  cl::Required, cl::cat(category));
static cl::opt<std::string> output("o", cl::desc("Output file"),
                                   cl::value_desc("PROGRAM"), cl::Required,
                                   cl::cat(category));
static cl::opt<std::string> target("target",
                                   cl::desc("Target preset or file"),
                                   cl::value_desc("PRESET|FILE"),
                                   cl::init(spikestack::hw::kDefaultTarget),
                                   cl::cat(category));
static cl::opt<std::string>
    emit("emit", cl::desc("What to write: program (default), asm, hw, mlir"),
         cl::init("program"), cl::cat(category));
static cl::opt<int> weightBits("weight-bits",
                               cl::desc("Weight bits (8 or 4)"), cl::init(8),
                               cl::cat(category));
static cl::opt<int64_t> seed("seed",
                             cl::desc("Placement seed (a non-negative integer)"),
                             cl::init(0), cl::cat(category));
static cl::opt<std::string> dataflow(
    "dataflow",
    cl::desc("Dataflow of the synaptic layers: auto (default), "
             "weight_stationary, output_stationary"),
    cl::init("auto"), cl::cat(category));
static cl::opt<bool> rowTiles(
    "row-tiles",
    cl::desc("Split layers along their vectors (default true; "
             "--row-tiles=false: no replicated weights)"),
    cl::init(true), cl::cat(category));
static cl::opt<double> headKeepRatio(
    "head-keep-ratio",
    cl::desc("Dynamic head pruning (D3): each spiking attention keeps the "
             "ceil(P x heads) heads whose queries spike most, P in (0, 1]; "
             "0 (the default): every head runs"),
    cl::value_desc("P"), cl::init(0.0), cl::cat(category));
static cl::opt<std::string> planReport("plan-report",
                                       cl::desc("Also write the plan report"),
                                       cl::value_desc("FILE"), cl::cat(category));

/// The pass-manager flags snn-compile shows in its --help (registered by
/// MLIR; all of them are accepted).
static cl::OptionCategory mlirCategory("MLIR pass manager options");
static const char *const shownMLIROptions[] = {
    "mlir-print-ir-before-all", "mlir-print-ir-after-all",
    "mlir-print-ir-after-change", "mlir-print-ir-after-failure",
    "mlir-pass-statistics", "mlir-timing", "mlir-timing-display"};

static int error(const std::string &message) {
  llvm::errs() << "snn-compile: error: " << message << "\n";
  return 1;
}

/// The plan report the pipeline wrote to `draft`, with the program's
/// static estimate added (Executor::estimate, the executor's timing model
/// without inputs: what `snn-run --dense` prints), or an error message.
static std::string planWithEstimate(const std::string &draft,
                                    const spikestack::rt::Program &program,
                                    std::string &message) {
  auto text = llvm::MemoryBuffer::getFile(draft);
  if (!text) {
    message = "cannot read the plan report draft: " + text.getError().message();
    return "";
  }
  auto plan = llvm::json::parse((*text)->getBuffer());
  auto target = spikestack::rt::programTarget(program);
  if (!plan || !plan->getAsObject() || !target.ok()) {
    if (!plan)
      llvm::consumeError(plan.takeError());
    message = "cannot add the estimate to the plan report";
    return "";
  }
  auto exec = spikestack::rt::Executor::create(program, std::move(*target));
  absl::StatusOr<spikestack::rt::RunResult> est =
      exec.ok() ? (*exec)->estimate() : exec.status();
  if (!est.ok()) {
    message = "the program's estimate: " + std::string(est.status().message());
    return "";
  }
  auto report = llvm::json::parse(est->reportJson);
  llvm::json::Object estimate{
      {"cycles", est->cycles},
      {"method", "the executor's timing model without inputs: every vector "
                 "and every expert dense (snn-run --dense)"}};
  if (report)
    if (const llvm::json::Object *r = report->getAsObject())
      if (const llvm::json::Object *b = r->getObject("bounds"))
        if (const llvm::json::Value *total = b->get("total"))
          estimate["bounds"] = *total;
  if (!report)
    llvm::consumeError(report.takeError());
  (*plan->getAsObject())["estimate"] = std::move(estimate);
  return llvm::formatv("{0:2}", *plan).str() + "\n";
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  spikestack::snn::registerSNNPasses();
  spikestack::snn::registerSNNPipelines();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  for (const char *name : {"input-shape", "nir-dt", "nir-time-steps"})
    if (auto *o = cl::getRegisteredOptions().lookup(name))
      o->addCategory(category);
  for (const char *name : shownMLIROptions)
    if (auto *o = cl::getRegisteredOptions().lookup(name))
      o->addCategory(mlirCategory);
  spikestack::parseToolCommandLine(
      argc, argv,
      "SpikeStack compile driver\n\n"
      "  snn-compile MODEL.onnx [--target PRESET|FILE] -o PROGRAM "
      "[--emit=program|asm|hw|mlir]\n",
      {&category, &mlirCategory});
  if (seed < 0)
    return error("--seed must be a non-negative integer, got " +
                 std::to_string(seed));
  if (weightBits != 8 && weightBits != 4)
    return error("--weight-bits must be 8 or 4, got " +
                 std::to_string(weightBits));
  if (!(headKeepRatio == 0.0 || (headKeepRatio > 0.0 && headKeepRatio <= 1.0)))
    return error("--head-keep-ratio must be in (0, 1] (0: no pruning), got " +
                 absl::StrCat(double(headKeepRatio)));
  if (emit != "program" && emit != "asm" && emit != "hw" && emit != "mlir")
    return error("--emit must be program, asm, hw or mlir, not '" + emit +
                 "'");

  MLIRContext context;
  // A diagnostic names the ONNX node it is about (the op's location); the
  // generic IR of the op under it would only bury the message.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module;
  if (llvm::StringRef(input).ends_with(".nir")) {
    module = spikestack::importNIR(
        input, &context, spikestack::nirImportOptionsFromCommandLine());
  } else {
    spikestack::ONNXImportOptions options;
    std::string message;
    if (!spikestack::parseInputShapeSpecs(
            spikestack::inputShapeSpecsFromCommandLine(), options, message))
      return error(message);
    module = spikestack::importONNX(input, &context, options);
  }
  if (!module)
    return 1;

  auto write = [&](const std::string &text) -> int {
    if (auto st = spikestack::writeOutputFile(output, text); !st.ok())
      return error(std::string(st.message()));
    return 0;
  };
  auto print = [&]() {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    os << "\n";
    return text;
  };
  if (emit == "mlir")
    return write(print());

  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return error("bad pass-manager options");
  applyDefaultTimingPassManagerCLOptions(pm);
  spikestack::snn::SNNToHWOptions pipeline;
  pipeline.target = std::string(target);
  pipeline.weightBits = spikestack::snn::BoundedInt<2, 8>{weightBits};
  pipeline.seed = spikestack::snn::BoundedInt<0, INT64_MAX>{seed};
  // The pass writes the plan report to a private draft; it reaches the
  // user's path once the program exists, with its estimate added.
  llvm::SmallString<128> draft;
  if (!planReport.empty()) {
    int fd = -1;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "snn-compile-plan", "json", fd, draft))
      return error("cannot create a temporary file: " + ec.message());
    llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  }
  llvm::FileRemover removeDraft(draft);
  pipeline.planReport = std::string(draft);
  pipeline.dataflow = std::string(dataflow);
  pipeline.rowTiles = rowTiles;
  pipeline.headKeepRatio = headKeepRatio;
  spikestack::snn::buildSNNToHWPipeline(pm, pipeline);
  if (failed(pm.run(*module)))
    return 1;
  std::string hw;
  if (emit == "hw")
    hw = print();
  auto prog = spikestack::exportProgram(*module);
  if (failed(prog))
    return 1;
  if (!planReport.empty()) {
    std::string message;
    std::string plan = planWithEstimate(std::string(draft), *prog, message);
    if (plan.empty())
      return error(message);
    if (auto st = spikestack::writeOutputFile(planReport, plan); !st.ok())
      return error(std::string(st.message()));
  }
  if (emit == "hw")
    return write(hw);
  return write(emit == "asm" ? spikestack::rt::disassemble(*prog)
                             : spikestack::rt::encodeProgram(*prog));
}
