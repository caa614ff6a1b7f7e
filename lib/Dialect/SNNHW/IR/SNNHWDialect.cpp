//===- SNNHWDialect.cpp - the hardware-level dialect ----------------------===//
#include "spikestack/Dialect/SNNHW/IR/SNNHW.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace spikestack::snnhw;

#include "spikestack/Dialect/SNNHW/IR/SNNHWDialect.cpp.inc"
#include "spikestack/Dialect/SNNHW/IR/SNNHWEnums.cpp.inc"

void SNNHWDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "spikestack/Dialect/SNNHW/IR/SNNHWOps.cpp.inc"
      >();
}

LogicalResult ProgramOp::verifyRegions() {
  llvm::DenseSet<int64_t> cores;
  for (Operation &op : getBody().front()) {
    auto stream = dyn_cast<StreamOp>(op);
    if (!stream)
      return op.emitOpError() << "only snnhw.stream may appear in a program";
    if (!cores.insert(int64_t(stream.getCore())).second)
      return stream.emitOpError() << "core " << int64_t(stream.getCore())
                                  << " has more than one stream";
    // Barrier indices stay below the program's count.
    WalkResult r = stream.walk([&](Operation *inner) {
      int64_t b = -1;
      if (auto s = dyn_cast<SignalOp>(inner))
        b = int64_t(s.getBarrier());
      if (auto w = dyn_cast<WaitOp>(inner))
        b = int64_t(w.getBarrier());
      if (b >= int64_t(getBarriers())) {
        inner->emitOpError() << "barrier " << b << " is not below the "
                             << "program's " << getBarriers() << " barriers";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      return failure();
  }
  if (int64_t(getMakespan()) < 0 || int64_t(getBarriers()) < 0)
    return emitOpError() << "makespan and barriers must be non-negative";
  return success();
}

LogicalResult StreamOp::verifyRegions() {
  if (int64_t(getCore()) < 0)
    return emitOpError() << "core must be non-negative, got "
                         << int64_t(getCore());
  Block &body = getBody().front();
  if (body.empty() || !isa<HaltOp>(body.back()))
    return emitOpError() << "stream of core " << int64_t(getCore())
                         << " must end with snnhw.halt";
  for (Operation &op : llvm::make_range(body.begin(), std::prev(body.end())))
    if (isa<HaltOp>(op))
      return op.emitOpError() << "snnhw.halt must be the last instruction";
  return success();
}

static LogicalResult verifyRange(Operation *op, int64_t bank, int64_t offset,
                                 int64_t bytes) {
  if (bank < -1 || offset < 0 || bytes <= 0)
    return op->emitOpError()
           << "needs bank >= -1 (DRAM), offset >= 0 and "
              "bytes > 0, got bank "
           << bank << ", offset " << offset << ", bytes " << bytes;
  return success();
}

LogicalResult LoadOp::verify() {
  return verifyRange(*this, int64_t(getBank()), int64_t(getOffset()),
                     int64_t(getBytes()));
}
LogicalResult StoreOp::verify() {
  return verifyRange(*this, int64_t(getBank()), int64_t(getOffset()),
                     int64_t(getBytes()));
}

LogicalResult FetchOp::verify() {
  if (int64_t(getBank()) < 0)
    return emitOpError() << "fetches into an SRAM bank (bank >= 0), got bank "
                         << int64_t(getBank());
  if (int64_t(getLayer()) < 0 || int64_t(getTask()) < 0)
    return emitOpError() << "needs layer >= 0 and task >= 0";
  return verifyRange(*this, int64_t(getBank()), int64_t(getOffset()),
                     int64_t(getBytes()));
}

template <typename Op> static LogicalResult verifyArray(Op op) {
  auto v = [](uint64_t x) { return int64_t(x); };
  if (v(op.getLayer()) < 0 || v(op.getTiling()) < 0 || v(op.getTask()) < 0 ||
      v(op.getKTiles()) < 1 || v(op.getColumns()) < 1 ||
      v(op.getVectors()) < 1 || v(op.getBundle()) < 1)
    return op.emitOpError()
           << "needs layer, tiling, task >= 0 and k_tiles, columns, vectors, "
              "bundle >= 1";
  return success();
}
LogicalResult SpikeAccOp::verify() { return verifyArray(*this); }
LogicalResult AndAccOp::verify() { return verifyArray(*this); }
LogicalResult ScoreValueOp::verify() { return verifyArray(*this); }

LogicalResult SignalOp::verify() {
  if (int64_t(getBarrier()) < 0)
    return emitOpError() << "barrier must be non-negative";
  return success();
}
LogicalResult WaitOp::verify() {
  if (int64_t(getBarrier()) < 0 || int64_t(getCount()) < 1)
    return emitOpError() << "needs barrier >= 0 and count >= 1, got barrier "
                         << int64_t(getBarrier()) << ", count "
                         << int64_t(getCount());
  return success();
}

#define GET_OP_CLASSES
#include "spikestack/Dialect/SNNHW/IR/SNNHWOps.cpp.inc"
