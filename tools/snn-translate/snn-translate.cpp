//===- snn-translate.cpp - SpikeStack translations ------------------------===//
//
//   snn-translate --import-onnx MODEL.onnx [-o OUT.mlir]
//                 [--input-shape N=1x3x32x32]
//   snn-translate --emit-isa HW.mlir [-o PROGRAM.snnp]  (binary container)
//   snn-translate --emit-asm HW.mlir [-o PROGRAM.s]     (assembly)
//
// "-" as the input reads standard input; -o defaults to standard output.
// `--import-onnx` parses the model file as a stream (peak memory stays
// near the model's size). Every output goes through the one writer
// (spikestack::writeOutputFile): a regular file is written to a temporary
// and renamed, so a failed translation never leaves a partial file; a
// device, FIFO or "-" is written directly.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNNHW/IR/SNNHW.h"
#include "spikestack/Support/FileUtil.h"
#include "spikestack/Support/TextLimits.h"
#include "spikestack/Target/ISA/ExportProgram.h"
#include "spikestack/Target/NIR/ImportNIR.h"
#include "spikestack/Target/ONNX/ImportONNX.h"
#include "spikestack/Tools/CommandLine.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class Action { None, ImportONNX, ImportNIR, EmitISA, EmitAsm };
} // namespace

static cl::OptionCategory category("snn-translate options");
static cl::opt<Action> action(
    cl::desc("Translation:"), cl::init(Action::None),
    cl::values(clEnumValN(Action::ImportONNX, "import-onnx",
                          "import an ONNX model into the snn dialect"),
               clEnumValN(Action::ImportNIR, "import-nir",
                          "import a NIR graph (HDF5) into the snn dialect "
                          "(docs/nir.md)"),
               clEnumValN(Action::EmitISA, "emit-isa",
                          "emit the binary program container of an snnhw "
                          "program"),
               clEnumValN(Action::EmitAsm, "emit-asm",
                          "emit the textual assembly of an snnhw program")),
    cl::cat(category));
static cl::opt<std::string> input(cl::Positional, cl::desc("INPUT"),
                                  cl::Required, cl::cat(category));
static cl::opt<std::string> output("o",
                                   cl::desc("Output file (default: stdout)"),
                                   cl::value_desc("FILE"), cl::init("-"),
                                   cl::cat(category));

static int error(const std::string &message) {
  llvm::errs() << "snn-translate: error: " << message << "\n";
  return 1;
}

static int write(const std::string &text) {
  if (auto st = spikestack::writeOutputFile(output, text); !st.ok())
    return error(std::string(st.message()));
  return 0;
}

/// Prints an imported module to the output (1 if the import failed: the
/// importer reported why).
static int writeModule(OwningOpRef<ModuleOp> module) {
  if (!module)
    return 1;
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  os << "\n";
  return write(text);
}

static int importONNXMain(MLIRContext &context) {
  spikestack::ONNXImportOptions options;
  std::string message;
  if (!spikestack::parseInputShapeSpecs(
          spikestack::inputShapeSpecsFromCommandLine(), options, message))
    return error(message);
  return writeModule(spikestack::importONNX(input, &context, options));
}

static int importNIRMain(MLIRContext &context) {
  return writeModule(spikestack::importNIR(
      input, &context, spikestack::nirImportOptionsFromCommandLine()));
}

static int exportMain(MLIRContext &context) {
  auto text = spikestack::readFile(
      input,
      spikestack::ReadOptions{"MLIR file", spikestack::kMaxMlirFileBytes, true});
  if (!text.ok())
    return error(std::string(text.status().message()));
  const std::string name = input == "-" ? "<stdin>" : input.getValue();
  if (auto st = spikestack::checkNestingDepth(*text);
      !st.ok())
    return error(name + ":" + std::string(st.message()));
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBuffer(*text, name,
                                       /*RequiresNullTerminator=*/false),
      llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1; // the parser reported the error with its location
  auto program = spikestack::exportProgram(*module);
  if (failed(program))
    return 1;
  return write(action == Action::EmitISA
                   ? spikestack::rt::encodeProgram(*program)
                   : spikestack::rt::disassemble(*program));
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  for (const char *name : {"input-shape", "nir-dt", "nir-time-steps"})
    if (auto *o = cl::getRegisteredOptions().lookup(name))
      o->addCategory(category);
  // The printer and context flags that apply to --import-onnx's output and
  // to reading MLIR; the other MLIR flags work but are not listed.
  static cl::OptionCategory mlirCategory("MLIR options");
  for (const char *name :
       {"mlir-print-debuginfo", "mlir-print-op-generic",
        "mlir-elide-elementsattrs-if-larger", "mlir-print-local-scope"})
    if (auto *o = cl::getRegisteredOptions().lookup(name)) {
      o->addCategory(mlirCategory);
      o->setHiddenFlag(cl::NotHidden); // some are hidden by default
    }
  spikestack::parseToolCommandLine(
      argc, argv,
      "SpikeStack translations\n\n"
      "  snn-translate --import-onnx MODEL.onnx [-o OUT.mlir] "
      "[--input-shape NAME=1x3x32x32 ...]\n"
      "  snn-translate --import-nir GRAPH.nir [--nir-dt DT] "
      "[--nir-time-steps T] [-o OUT.mlir]\n"
      "  snn-translate --emit-isa HW.mlir [-o PROGRAM.snnp]\n"
      "  snn-translate --emit-asm HW.mlir [-o PROGRAM.s]\n",
      {&category, &mlirCategory});
  if (action == Action::None)
    return error("no translation given; pass --import-onnx, --import-nir, "
                 "--emit-isa or --emit-asm");

  DialectRegistry registry;
  registry.insert<spikestack::snn::SNNDialect, spikestack::snnhw::SNNHWDialect,
                  func::FuncDialect, arith::ArithDialect,
                  tensor::TensorDialect, linalg::LinalgDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  if (action == Action::ImportNIR)
    return importNIRMain(context);
  return action == Action::ImportONNX ? importONNXMain(context)
                                      : exportMain(context);
}
