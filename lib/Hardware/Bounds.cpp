//===- Bounds.cpp - lower bounds on a layer's cycles ----------------------===//
#include "spikestack/Hardware/Bounds.h"

#include <algorithm>

namespace spikestack::hw {

namespace {
void addInto(std::vector<double> &to, const std::vector<double> &from) {
  if (to.size() < from.size())
    to.resize(from.size(), 0);
  for (size_t i = 0; i < from.size(); ++i)
    to[i] += from[i];
}
} // namespace

void BoundWork::add(const BoundWork &o) {
  denseOps += o.denseOps;
  eventOps = eventOps < 0 || o.eventOps < 0 ? -1 : eventOps + o.eventOps;
  addInto(bankBits, o.bankBits);
  addInto(linkBits, o.linkBits);
  dramBits += o.dramBits;
}

double denseSynapticOps(int64_t groups, int64_t vectors, int64_t reduction,
                        int64_t outputs) {
  return double(groups) * double(vectors) * double(reduction) *
         double(outputs);
}

double targetPEs(const Target &t) {
  double pes = 0;
  for (BlockRef c : t.blocksOfKind(BlockKind::Core))
    pes += double(t.block(c).core.rows) * double(t.block(c).core.cols);
  return pes;
}

double computeBoundCycles(double ops, double pes) {
  return pes > 0 ? ops / pes : 0;
}

double sramPortBoundCycles(const Target &t,
                           const std::vector<double> &bankBits) {
  const auto banks = t.blocksOfKind(BlockKind::Sram);
  double worst = 0;
  for (size_t b = 0; b < banks.size() && b < bankBits.size(); ++b) {
    const SramSpec &s = t.block(banks[b]).sram;
    const double rate = double(std::max<int64_t>(1, s.ports)) *
                        double(std::max<int64_t>(1, s.widthBits));
    worst = std::max(worst, bankBits[b] / rate);
  }
  return worst;
}

double bondBoundCycles(const PhysicalModel &m,
                       const std::vector<double> &linkBits) {
  const Target &t = m.target();
  double worst = 0;
  for (size_t i = 0; i < linkBits.size() && i + 1 < t.tiers.size(); ++i) {
    double rate = 1;
    if (const VerticalLink *l = t.link(int(i), int(i) + 1))
      rate = double(std::max<int64_t>(1, m.verticalBitsPerCycle(*l)));
    worst = std::max(worst, linkBits[i] / rate);
  }
  return worst;
}

double dramBoundCycles(const PhysicalModel &m, double bits) {
  const double rate = m.dramBitsPerCycle();
  return rate > 0 ? bits / rate : 0;
}

Bounds evaluateBounds(const PhysicalModel &m, const BoundWork &work,
                      double achieved) {
  Bounds b;
  const double pes = targetPEs(m.target());
  b.compute = computeBoundCycles(work.denseOps, pes);
  b.eventsMeasured = work.eventOps >= 0;
  b.events =
      b.eventsMeasured ? computeBoundCycles(work.eventOps, pes) : b.compute;
  b.sramPort = sramPortBoundCycles(m.target(), work.bankBits);
  b.bond = bondBoundCycles(m, work.linkBits);
  b.dram = dramBoundCycles(m, work.dramBits);
  b.largest = b.events;
  b.binding = b.events < b.compute ? "events" : "compute";
  const std::pair<double, const char *> others[] = {
      {b.sramPort, "sram_port"}, {b.bond, "bond"}, {b.dram, "dram"}};
  for (const auto &[v, name] : others)
    if (v > b.largest) {
      b.largest = v;
      b.binding = name;
    }
  b.achieved = achieved;
  b.efficiency = achieved > 0 ? std::min(1.0, b.largest / achieved)
                 : b.largest > 0 ? 0.0
                                 : 1.0;
  return b;
}

} // namespace spikestack::hw
