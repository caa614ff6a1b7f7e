//===- SNNTypes.cpp - snn dialect types -----------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNTypes.h"
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Reference/Kernels.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace spikestack::snn;

#define GET_TYPEDEF_CLASSES
#include "spikestack/Dialect/SNN/IR/SNNTypes.cpp.inc"

void SNNDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "spikestack/Dialect/SNN/IR/SNNTypes.cpp.inc"
      >();
}

LogicalResult CountType::verify(function_ref<InFlightDiagnostic()> emitError,
                                int64_t max) {
  if (max < 1 || max > (int64_t(1) << 30))
    return emitError() << "!snn.count bound must be in [1, 2^30], got " << max;
  return success();
}

unsigned CountType::getBitWidth() const {
  unsigned bits = 0;
  for (uint64_t v = uint64_t(getMax()); v; v >>= 1)
    ++bits;
  return bits;
}

LogicalResult FixedType::verify(function_ref<InFlightDiagnostic()> emitError,
                                unsigned width, int64_t frac) {
  if (width < 2 || width > 32)
    return emitError() << "!snn.fixed width must be in [2, 32] bits, got "
                       << width;
  // |frac| <= 32 keeps every shift between formats <= 64 bits, which the
  // reference kernels (and the hardware) evaluate exactly in 128 bits.
  if (frac < -32 || frac > 32)
    return emitError() << "!snn.fixed fractional bits must be in [-32, 32], got "
                       << frac;
  return success();
}

int64_t FixedType::getMinRaw() const { return getFormat().minRaw(); }
int64_t FixedType::getMaxRaw() const { return getFormat().maxRaw(); }
double FixedType::getLsb() const { return std::ldexp(1.0, -int(getFrac())); }

spikestack::ref::FixedFormat FixedType::getFormat() const {
  return {int(getWidth()), int(getFrac())};
}

int64_t spikestack::snn::getFracBits(Type t) {
  if (auto f = dyn_cast<FixedType>(t))
    return f.getFrac();
  return 0;
}

std::optional<int64_t> spikestack::snn::getCountMax(Type t) {
  if (isa<SpikeType>(t))
    return 1;
  if (auto c = dyn_cast<CountType>(t))
    return c.getMax();
  return std::nullopt;
}

bool spikestack::snn::isRepresentable(FixedType type, double value) {
  return ref::exactRaw(value, type.getFormat()).has_value();
}
