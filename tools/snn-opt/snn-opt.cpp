//===- snn-opt.cpp - snn pass driver --------------------------------------===//
//
// mlir-opt for SpikeStack: registers only the dialects and passes the snn
// pipeline needs (snn, func, arith, tensor, linalg) plus the generic
// transforms (canonicalize, cse, ...). All of mlir-opt's flags work:
// --pass-pipeline, --mlir-print-ir-after-all, --verify-diagnostics,
// --split-input-file.
//
// Unlike mlir-opt it reads its input through spikestack::readFile (a
// regular file or "-", at most kMaxMlirFileBytes), refuses text nested
// deeper than kMaxMlirNesting levels before the parser could overflow its
// stack (checkNestingDepth), writes its output only when the whole run
// succeeded (spikestack::writeOutputFile: no partial output), and does not
// print the failing operation under each diagnostic unless
// --mlir-print-op-on-diagnostic=true is given (the location says where).
// Its --help lists the passes and the MLIR flags of kShownMlirFlags;
// mlir-opt's other flags work but are not listed.
//
//===----------------------------------------------------------------------===//
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Debug/Counter.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Dialect/SNNHW/IR/SNNHW.h"
#include "spikestack/Support/FileUtil.h"
#include "spikestack/Support/TextLimits.h"
#include "spikestack/Tools/CommandLine.h"

#include <string>

namespace cl = llvm::cl;

namespace {

cl::OptionCategory optCategory("snn-opt options");
cl::OptionCategory mlirCategory("MLIR options");

cl::opt<std::string> inputFilename(cl::Positional, cl::desc("<input file>"),
                                   cl::init("-"), cl::cat(optCategory));
cl::opt<std::string> outputFilename("o", cl::desc("Output filename"),
                                    cl::value_desc("filename"), cl::init("-"),
                                    cl::cat(optCategory));

/// The MLIR flags --help shows (the pass list is found by the name of one
/// of its passes, "canonicalize").
constexpr const char *kShownMlirFlags[] = {
    "canonicalize",
    "pass-pipeline",
    "split-input-file",
    "verify-diagnostics",
    "allow-unregistered-dialect",
    "list-passes",
    "show-dialects",
    "mlir-print-ir-after-all",
    "mlir-print-ir-before-all",
    "mlir-print-ir-after-failure",
    "mlir-print-op-on-diagnostic",
    "mlir-print-debuginfo",
    "mlir-print-op-generic",
    "mlir-elide-elementsattrs-if-larger",
    "mlir-timing",
    "mlir-pass-statistics",
    "mlir-disable-threading",
    "verify-each",
};

/// Registers mlir-opt's flags (as mlir::registerAndParseCLIOptions does)
/// and parses the command line with --help limited to snn-opt's input and
/// output, the passes and kShownMlirFlags.
void parseCommandLine(int argc, char **argv, mlir::DialectRegistry &registry) {
  mlir::MlirOptMainConfig::registerCLOptions(registry);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  mlir::tracing::DebugCounter::registerCLOptions();
  auto &options = cl::getRegisteredOptions();
  for (const char *name : kShownMlirFlags)
    if (auto it = options.find(name); it != options.end()) {
      it->second->addCategory(mlirCategory);
      it->second->setHiddenFlag(cl::NotHidden); // some are hidden by default
    }
  std::string header = "SpikeStack optimizer driver\n\nAvailable Dialects: ";
  llvm::raw_string_ostream os(header);
  llvm::interleaveComma(registry.getDialectNames(), os,
                        [&](auto name) { os << name; });
  spikestack::parseToolCommandLine(argc, argv, header,
                                   {&optCategory, &mlirCategory});
}

int fail(const std::string &message) {
  llvm::errs() << "snn-opt: error: " << message << "\n";
  return EXIT_FAILURE;
}

/// mlir-opt prints the whole failing operation (an expert body, a program
/// of hundreds of lines) under every diagnostic; snn-opt does not, unless
/// the user asks for it.
void quietOpsOnDiagnostics() {
  auto &options = llvm::cl::getRegisteredOptions();
  auto it = options.find("mlir-print-op-on-diagnostic");
  if (it != options.end() && it->second->getNumOccurrences() == 0)
    it->second->addOccurrence(0, it->second->ArgStr, "false");
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // The core clean-ups one runs beside the snn passes (not all of
  // mlir-opt's transforms: --help stays short).
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  mlir::registerPrintOpStatsPass();
  spikestack::snn::registerSNNPasses();
  spikestack::snn::registerSNNPipelines();
  mlir::DialectRegistry registry;
  registry.insert<spikestack::snn::SNNDialect, spikestack::snnhw::SNNHWDialect,
                  mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::tensor::TensorDialect, mlir::linalg::LinalgDialect>();
  parseCommandLine(argc, argv, registry);
  const std::string inputPath = inputFilename, outputPath = outputFilename;
  quietOpsOnDiagnostics();
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();

  // --show-dialects and --list-passes print and return without input.
  std::string text;
  if (!config.shouldShowDialects() && !config.shouldListPasses()) {
    auto read = spikestack::readFile(
        inputPath,
        spikestack::ReadOptions{"MLIR file", spikestack::kMaxMlirFileBytes,
                                /*allowStdin=*/true});
    if (!read.ok())
      return fail(std::string(read.status().message()));
    text = *std::move(read);
  }
  const std::string name = inputPath == "-" ? "<stdin>" : inputPath;
  if (auto st = spikestack::checkNestingDepth(text); !st.ok())
    return fail(name + ":" + std::string(st.message()));

  std::string output;
  llvm::raw_string_ostream os(output);
  if (mlir::failed(mlir::MlirOptMain(
          os, llvm::MemoryBuffer::getMemBuffer(text, name), registry, config)))
    return EXIT_FAILURE;
  if (auto st = spikestack::writeOutputFile(outputPath, output); !st.ok())
    return fail(std::string(st.message()));
  return EXIT_SUCCESS;
}
