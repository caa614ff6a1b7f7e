//===- snn-translate.cpp - SpikeStack translations ------------------------===//
//
//   snn-translate --import-onnx MODEL.onnx -o OUT.mlir [--input-shape
//   N=1x3x32x32]
//
// mlir-translate with SpikeStack's translations registered. `--import-onnx`
// has a driver of its own: mlir-translate's copies the whole input file
// into memory and keeps it for the whole translation, while the importer
// parses the model file as a stream (peak memory stays near the model's
// size). The output is written to a temporary file and renamed, so a
// failed or interrupted import never leaves a partial OUT.mlir.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Target/ONNX/ImportONNX.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
namespace cl = llvm::cl;

/// Writes `path` ("-": standard output) through a temporary file in the
/// same directory that is renamed into place once complete.
static LogicalResult
writeAtomically(llvm::StringRef path,
                llvm::function_ref<void(llvm::raw_ostream &)> write) {
  if (path == "-") {
    write(llvm::outs());
    llvm::outs().flush();
    return success();
  }
  llvm::SmallString<256> tmp;
  int fd = -1;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, tmp)) {
    llvm::errs() << "snn-translate: error: cannot write '" << path
                 << "': " << ec.message() << "\n";
    return failure();
  }
  llvm::sys::RemoveFileOnSignal(tmp);
  auto fail = [&](const llvm::Twine &why) {
    llvm::sys::fs::remove(tmp);
    llvm::sys::DontRemoveFileOnSignal(tmp);
    llvm::errs() << "snn-translate: error: cannot write '" << path
                 << "': " << why << "\n";
    return failure();
  };
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    write(os);
    os.close();
    if (os.has_error()) {
      std::string why = os.error().message();
      os.clear_error();
      return fail(why);
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path))
    return fail(ec.message());
  llvm::sys::DontRemoveFileOnSignal(tmp);
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
  return failed(writeAtomically(output,
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
  return failed(
      mlir::mlirTranslateMain(argc, argv, "SpikeStack translation tool"));
}
