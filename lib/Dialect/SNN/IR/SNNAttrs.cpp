//===- SNNAttrs.cpp - snn dialect attributes ------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNAttrs.h"
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNN/IR/SNNLimits.h"
#include "spikestack/Runtime/Program.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstdlib>

#include <cmath>

using namespace mlir;
using namespace spikestack::snn;

#include "spikestack/Dialect/SNN/IR/SNNEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "spikestack/Dialect/SNN/IR/SNNAttrs.cpp.inc"

void SNNDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "spikestack/Dialect/SNN/IR/SNNAttrs.cpp.inc"
      >();
}

std::string spikestack::snn::formatDouble(double value) {
  // Shortest %g form that reads back as exactly `value`.
  std::string s;
  for (int precision = 1; precision <= 17; ++precision) {
    s = llvm::formatv("{0}", llvm::format("%.*g", precision, value)).str();
    if (std::strtod(s.c_str(), nullptr) == value)
      break;
  }
  // MLIR float literals need a '.' before any exponent: 1e+01 -> 1.0e+01.
  if (std::isfinite(value) && s.find('.') == std::string::npos) {
    size_t e = s.find_first_of("eE");
    if (e == std::string::npos)
      s += ".0";
    else
      s.insert(e, ".0");
  }
  return s;
}

void spikestack::snn::printDoubleParam(AsmPrinter &printer,
                                       const llvm::APFloat &value) {
  printer << formatDouble(value.convertToDouble());
}

FailureOr<llvm::APFloat> spikestack::snn::parseDoubleParam(AsmParser &parser) {
  double value;
  if (parser.parseFloat(value))
    return failure();
  return llvm::APFloat(value);
}

FailureOr<std::optional<llvm::APFloat>>
spikestack::snn::parseOptDoubleParam(AsmParser &parser) {
  double value;
  if (parser.parseFloat(value))
    return failure();
  return std::optional<llvm::APFloat>(llvm::APFloat(value));
}

FailureOr<bool> spikestack::snn::parseBoolParam(AsmParser &parser) {
  if (succeeded(parser.parseOptionalKeyword("true")))
    return true;
  if (succeeded(parser.parseOptionalKeyword("false")))
    return false;
  return parser.emitError(parser.getCurrentLocation(),
                          "expected 'true' or 'false'");
}

LogicalResult spikestack::snn::verifyNeuronScalars(
    function_ref<InFlightDiagnostic()> emitError, StringRef prefix, bool leaky,
    double tau, double vThreshold, double vReset, std::optional<double> vInit,
    FixedType membrane) {
  if (leaky && !(tau >= 1.0 && std::isfinite(tau)))
    return emitError() << prefix << "tau must be finite and >= 1, got " << tau;
  if (!std::isfinite(vThreshold) || !std::isfinite(vReset) ||
      (vInit && !std::isfinite(*vInit)))
    return emitError() << prefix
                       << "v_threshold, v_reset and v_init must be finite";
  if (!membrane)
    return success();
  auto check = [&](const char *name, double v) -> LogicalResult {
    if (isRepresentable(membrane, v))
      return success();
    return emitError() << prefix << name << " = " << v
                       << " is not representable in membrane type " << membrane
                       << " (LSB " << membrane.getLsb() << ", range ["
                       << double(membrane.getMinRaw()) * membrane.getLsb()
                       << ", "
                       << double(membrane.getMaxRaw()) * membrane.getLsb()
                       << "])";
  };
  if (failed(check("v_threshold", vThreshold)) ||
      failed(check("v_reset", vReset)) ||
      (vInit && failed(check("v_init", *vInit))))
    return failure();
  return success();
}

LogicalResult NeuronAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 bool leaky, llvm::APFloat tau,
                                 llvm::APFloat vThreshold, llvm::APFloat vReset,
                                 ResetMode, bool, CompareMode,
                                 std::optional<llvm::APFloat> vInit,
                                 FixedType membraneType, RoundingMode) {
  std::optional<double> init;
  if (vInit)
    init = vInit->convertToDouble();
  return verifyNeuronScalars(emitError, "neuron ", leaky, tau.convertToDouble(),
                             vThreshold.convertToDouble(),
                             vReset.convertToDouble(), init, membraneType);
}

LogicalResult spikestack::snn::TilingAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, TileKind kind, int64_t rows,
    int64_t cols, int64_t reduction, int64_t outputs, int64_t groups,
    int64_t vectors, int64_t bundle, int64_t heldBits, Dataflow dataflow,
    int64_t rowTiles) {
  if (heldBits < 0 || heldBits > 64)
    return emitError() << "tiling held_bits must be in 0..64, got " << heldBits;
  if (rowTiles <= 0)
    return emitError() << "tiling row_tiles must be positive, got "
                       << rowTiles;
  for (auto [name, v] : {std::pair{"rows", rows},
                         {"cols", cols},
                         {"reduction", reduction},
                         {"outputs", outputs},
                         {"groups", groups},
                         {"vectors", vectors},
                         {"bundle", bundle}})
    if (v <= 0)
      return emitError() << "tiling " << name << " must be positive, got " << v;
  if (failed(verifyTilingBounds(emitError, rows, cols, reduction, outputs,
                                groups, vectors, bundle)))
    return failure();
  if (dataflow == Dataflow::OutputStationary && kind != TileKind::Synaptic)
    return emitError() << "tiling of kind " << stringifyTileKind(kind)
                       << " cannot be output_stationary (only synaptic "
                          "products stream their weights)";
  if (dataflow == Dataflow::OutputStationary && bundle > rows)
    return emitError() << "output_stationary fold of " << bundle
                       << " vectors exceeds the array's " << rows << " rows";
  spikestack::rt::Tiling t;
  t.rows = rows, t.cols = cols, t.reduction = reduction, t.outputs = outputs;
  t.groups = groups, t.vectors = vectors, t.bundle = bundle;
  t.rowTiles = rowTiles;
  if (!t.rowTilesValid())
    return emitError() << "tiling row_tiles " << rowTiles << " leaves a row "
                       << "tile without vectors (" << t.numBundles()
                       << " bundle(s) of " << bundle << " of " << vectors
                       << " vectors)";
  if (t.numTasks() > limits::kMaxTasks)
    return emitError() << "tiling needs " << t.numTasks() << " tasks ("
                       << t.numColumnTasks() << " column tasks x " << rowTiles
                       << " row tiles); at most "
                       << limits::formatLimit(limits::kMaxTasks) << " are supported";
  return success();
}

LogicalResult spikestack::snn::verifyTilingBounds(
    function_ref<InFlightDiagnostic()> emitError, int64_t rows, int64_t cols,
    int64_t reduction, int64_t outputs, int64_t groups, int64_t vectors,
    int64_t bundle) {
  using namespace limits;
  if (rows > kMaxArrayDim || cols > kMaxArrayDim)
    return emitError() << "tiling for " << rows << "x" << cols
                       << " arrays; at most " << kMaxArrayDim << "x"
                       << kMaxArrayDim << " are supported";
  for (auto [name, v] : {std::pair{"reduction", reduction},
                         {"outputs", outputs},
                         {"vectors", vectors}})
    if (v > kMaxTilingSize)
      return emitError() << "tiling " << name << " = " << v << "; at most "
                         << formatLimit(kMaxTilingSize) << " are supported";
  if (groups > kMaxGroups)
    return emitError() << "tiling groups = " << groups << "; at most "
                       << formatLimit(kMaxGroups) << " are supported";
  if (bundle > vectors)
    return emitError() << "tiling bundle " << bundle
                       << " exceeds its vectors " << vectors;
  // Each factor is at most 2^28 here, so no product below overflows.
  spikestack::rt::Tiling t;
  t.rows = rows, t.cols = cols, t.reduction = reduction, t.outputs = outputs;
  t.groups = groups, t.vectors = vectors, t.bundle = bundle;
  const int64_t kTiles = t.kTiles(), nTiles = t.nTiles();
  const int64_t bundles = t.numBundles();
  if (groups * nTiles > kMaxTasks)
    return emitError() << "tiling needs " << groups * nTiles
                       << " column tasks (" << groups << " group(s) x "
                       << nTiles << " blocks of " << cols << " of " << outputs
                       << " outputs); at most " << formatLimit(kMaxTasks)
                       << " are supported";
  if (kTiles * bundles > kMaxPassesPerTask)
    return emitError() << "tiling needs " << kTiles * bundles
                       << " passes per task (" << kTiles << " blocks of "
                       << rows << " of " << reduction << " reduction rows x "
                       << bundles << " bundles of " << bundle << " of "
                       << vectors << " vectors); at most "
                       << formatLimit(kMaxPassesPerTask) << " are supported";
  if (vectors * kTiles > kMaxStreamed / groups)
    return emitError() << "tiling streams " << groups << " group(s) x "
                       << vectors << " vectors x " << kTiles
                       << " blocks; at most " << formatLimit(kMaxStreamed)
                       << " are supported";
  return success();
}

static_assert(int(TileKind::Synaptic) == int(spikestack::rt::TileKind::Synaptic) &&
                  int(TileKind::AndAccumulate) ==
                      int(spikestack::rt::TileKind::AndAccumulate) &&
                  int(TileKind::ScoreValue) == int(spikestack::rt::TileKind::ScoreValue) &&
                  int(TileKind::Vector) == int(spikestack::rt::TileKind::Vector),
              "#snn.tiling kinds and rt::TileKind share their encoding");
static_assert(int(Dataflow::WeightStationary) ==
                      int(spikestack::rt::Dataflow::WeightStationary) &&
                  int(Dataflow::OutputStationary) ==
                      int(spikestack::rt::Dataflow::OutputStationary),
              "#snn.tiling dataflows and rt::Dataflow share their encoding");

spikestack::rt::Tiling spikestack::snn::TilingAttr::toRuntime() const {
  spikestack::rt::Tiling t;
  t.kind = static_cast<spikestack::rt::TileKind>(getKind());
  t.rows = getRows(), t.cols = getCols();
  t.reduction = getReduction(), t.outputs = getOutputs();
  t.groups = getGroups(), t.vectors = getVectors(), t.bundle = getBundle();
  t.heldBits = getHeldBits();
  t.dataflow = static_cast<spikestack::rt::Dataflow>(getDataflow());
  t.rowTiles = getRowTiles();
  return t;
}
int64_t spikestack::snn::TilingAttr::kTiles() const { return toRuntime().kTiles(); }
int64_t spikestack::snn::TilingAttr::nTiles() const { return toRuntime().nTiles(); }
int64_t spikestack::snn::TilingAttr::numTasks() const { return toRuntime().numTasks(); }
int64_t spikestack::snn::TilingAttr::numBundles() const { return toRuntime().numBundles(); }

LogicalResult spikestack::snn::BufferAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, int64_t bank, int64_t offset,
    int64_t bytes) {
  if (bank < -1)
    return emitError() << "buffer bank must be -1 (DRAM) or a bank index, got "
                       << bank;
  if (offset < 0 || bytes < 0)
    return emitError() << "buffer offset and bytes must be non-negative, got "
                       << offset << " and " << bytes;
  if (bytes > limits::kMaxAddress || offset > limits::kMaxAddress - bytes)
    return emitError() << "buffer of " << bytes << " bytes at offset "
                       << offset << " ends after byte 2^48 (the addressable "
                       << "memory of a program)";
  return success();
}
