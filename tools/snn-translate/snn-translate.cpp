//===- snn-translate.cpp - SpikeStack translations ------------------------===//
//
//   snn-translate --import-onnx MODEL.onnx -o OUT.mlir [--input-shape N=1x3x32x32]
//
// mlir-translate with SpikeStack's translations registered.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Target/ONNX/ImportONNX.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  spikestack::registerONNXImportTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "SpikeStack translation tool"));
}
