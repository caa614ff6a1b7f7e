//===- snn-translate.cpp - SpikeStack translations ------------------------===//
//
//   snn-translate --import-onnx MODEL.onnx -o OUT.mlir
//                 [--input-shape N=1x3x32x32]
//   snn-translate --emit-isa HW.mlir -o PROGRAM.snnp   (binary container)
//   snn-translate --emit-asm HW.mlir -o PROGRAM.s      (assembly)
//
// mlir-translate with SpikeStack's translations registered. `--import-onnx`
// has a driver of its own: mlir-translate's copies the whole input file
// into memory and keeps it for the whole translation, while the importer
// parses the model file as a stream (peak memory stays near the model's
// size). The output is written to a temporary file and renamed, so a
// failed or interrupted import never leaves a partial OUT.mlir.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Support/FileUtil.h"
#include "spikestack/Target/ISA/ExportProgram.h"
#include "spikestack/Target/ONNX/ImportONNX.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
namespace cl = llvm::cl;

/// Writes `path` ("-": standard output) atomically (a temporary file
/// beside it, renamed into place once complete; removed on failure or on a
/// fatal signal).
static LogicalResult
writeOutput(const std::string &path,
            llvm::function_ref<void(llvm::raw_ostream &)> print) {
  if (path == "-") {
    print(llvm::outs());
    llvm::outs().flush();
    return success();
  }
  std::string tmp;
  absl::Status st = spikestack::writeFileAtomically(
      path, [&](int fd, const std::string &tmpPath) -> absl::Status {
        tmp = tmpPath;
        llvm::sys::RemoveFileOnSignal(tmp);
        llvm::raw_fd_ostream os(fd, /*shouldClose=*/false);
        print(os);
        os.flush();
        std::error_code ec = os.error();
        os.clear_error();
        if (ec)
          return absl::InternalError("cannot write '" + path +
                                     "': " + ec.message());
        return absl::OkStatus();
      });
  if (!tmp.empty())
    llvm::sys::DontRemoveFileOnSignal(tmp);
  if (!st.ok()) {
    llvm::errs() << "snn-translate: error: " << std::string(st.message())
                 << "\n";
    return failure();
  }
  return success();
}

static int importONNXMain(int argc, char **argv) {
  cl::opt<bool> importFlag("import-onnx",
                           cl::desc("Import an ONNX model into the snn "
                                    "dialect"));
  cl::opt<std::string> input(cl::Positional, cl::desc("MODEL.onnx"),
                             cl::Required);
  cl::opt<std::string> output("o", cl::desc("Output file (default: stdout)"),
                              cl::value_desc("OUT.mlir"), cl::init("-"));
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "SpikeStack ONNX importer\n\n"
      "  snn-translate --import-onnx MODEL.onnx [-o OUT.mlir] "
      "[--input-shape NAME=1x3x32x32 ...]\n");

  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  spikestack::ONNXImportOptions options;
  std::string error;
  if (!spikestack::parseInputShapeSpecs(
          spikestack::inputShapeSpecsFromCommandLine(), options, error)) {
    emitError(UnknownLoc::get(&context)) << error;
    return 1;
  }
  // "-" reads the model from standard input.
  auto module = spikestack::importONNX(input, &context, options);
  if (!module)
    return 1;
  return failed(writeOutput(output,
                            [&](llvm::raw_ostream &os) {
                              module->print(os);
                              os << "\n";
                            }))
             ? 1
             : 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--import-onnx") ||
        !std::strcmp(argv[i], "-import-onnx"))
      return importONNXMain(argc, argv);
  spikestack::registerONNXImportTranslation();
  spikestack::registerProgramTranslations();
  return failed(
      mlir::mlirTranslateMain(argc, argv, "SpikeStack translation tool"));
}
