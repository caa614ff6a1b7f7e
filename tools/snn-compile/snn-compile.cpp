//===- snn-compile.cpp - ONNX model -> executable program -----------------===//
//
//   snn-compile MODEL.onnx [--target PRESET|FILE] -o PROGRAM
//               [--emit=program|asm|hw|mlir] [--weight-bits 8|4]
//               [--seed N] [--plan-report FILE] [--input-shape NAME=1x3x32x32]
//
// runs the ONNX import, the --snn-to-hw pipeline and the program export in
// one process. --emit stops early: `mlir` writes the imported snn IR,
// `hw` the lowered module (snn layer table + snnhw streams), `asm` the
// program's assembly, `program` (default) the binary container for
// snn-run. Outputs are written atomically.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Support/FileUtil.h"
#include "spikestack/Target/ISA/ExportProgram.h"
#include "spikestack/Target/ONNX/ImportONNX.h"
#include "spikestack/Tools/CommandLine.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("snn-compile options");
static cl::opt<std::string> input(cl::Positional, cl::desc("MODEL.onnx"),
                                  cl::Required, cl::cat(category));
static cl::opt<std::string> output("o", cl::desc("Output file"),
                                   cl::value_desc("PROGRAM"), cl::Required,
                                   cl::cat(category));
static cl::opt<std::string> target("target",
                                   cl::desc("Target preset or file"),
                                   cl::value_desc("PRESET|FILE"),
                                   cl::init("3d-mol"), cl::cat(category));
static cl::opt<std::string>
    emit("emit", cl::desc("What to write: program (default), asm, hw, mlir"),
         cl::init("program"), cl::cat(category));
static cl::opt<int> weightBits("weight-bits",
                               cl::desc("Weight bits (8 or 4)"), cl::init(8),
                               cl::cat(category));
static cl::opt<int64_t> seed("seed",
                             cl::desc("Placement seed (a non-negative integer)"),
                             cl::init(0), cl::cat(category));
static cl::opt<std::string> planReport("plan-report",
                                       cl::desc("Also write the plan report"),
                                       cl::value_desc("FILE"), cl::cat(category));

static int error(const std::string &message) {
  llvm::errs() << "snn-compile: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  spikestack::snn::registerSNNPasses();
  spikestack::snn::registerSNNPipelines();
  if (auto *shape = cl::getRegisteredOptions().lookup("input-shape"))
    shape->addCategory(category);
  spikestack::parseToolCommandLine(
      argc, argv,
      "SpikeStack compile driver\n\n"
      "  snn-compile MODEL.onnx [--target PRESET|FILE] -o PROGRAM "
      "[--emit=program|asm|hw|mlir]\n",
      {&category});
  if (seed < 0)
    return error("--seed must be a non-negative integer, got " +
                 std::to_string(seed));
  if (weightBits != 8 && weightBits != 4)
    return error("--weight-bits must be 8 or 4, got " +
                 std::to_string(weightBits));
  if (emit != "program" && emit != "asm" && emit != "hw" && emit != "mlir")
    return error("--emit must be program, asm, hw or mlir, not '" + emit +
                 "'");
  if (target.find_first_of(" \"{}") != std::string::npos ||
      planReport.find_first_of(" \"{}") != std::string::npos)
    return error("target and plan-report paths may not contain spaces, "
                 "quotes or braces");

  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  spikestack::ONNXImportOptions options;
  std::string message;
  if (!spikestack::parseInputShapeSpecs(
          spikestack::inputShapeSpecsFromCommandLine(), options, message))
    return error(message);
  auto module = spikestack::importONNX(input, &context, options);
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
  std::string pipeline = "snn-to-hw{target=" + target +
                         " weight-bits=" + std::to_string(weightBits) +
                         " seed=" + std::to_string(seed);
  if (!planReport.empty())
    pipeline += " plan-report=" + planReport;
  pipeline += "}";
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    return error("bad pipeline options");
  if (failed(pm.run(*module)))
    return 1;
  if (emit == "hw")
    return write(print());
  auto prog = spikestack::exportProgram(*module);
  if (failed(prog))
    return 1;
  return write(emit == "asm" ? spikestack::rt::disassemble(*prog)
                             : spikestack::rt::encodeProgram(*prog));
}
