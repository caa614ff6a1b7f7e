//===- RuntimeModule.cpp - spikestack._runtime (pybind11) -----------------===//
//
// The MLIR-free runtime for Python: load a program, run it on NumPy inputs,
// get the outputs, the report and the trace. Arrays cross the boundary as
// .npy bytes, so inputs are checked exactly as snn-run checks .npy files
// (rt::tensorFromNpy, rt::checkFinite) and outputs are what snn-run writes.
// Every error is a Python exception carrying the C++ message: ValueError
// for bad arguments, RuntimeError otherwise. python/spikestack/runtime.py
// is the user-facing wrapper.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Hardware/PhysicalModel.h"
#include "spikestack/Hardware/Target.h"
#include "spikestack/Runtime/Executor.h"
#include "spikestack/Runtime/Program.h"
#include "spikestack/Support/Npy.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>

namespace py = pybind11;
using namespace spikestack;

namespace {

[[noreturn]] void raise(const absl::Status &st) {
  const std::string msg(st.message());
  if (absl::IsInvalidArgument(st) || absl::IsNotFound(st) ||
      absl::IsOutOfRange(st))
    throw py::value_error(msg);
  throw std::runtime_error(msg);
}

template <typename T> T take(absl::StatusOr<T> v) {
  if (!v.ok())
    raise(v.status());
  return std::move(*v);
}

/// A loaded program bound to its target (rt::Executor).
class LoadedProgram {
public:
  LoadedProgram(const std::string &path, const std::string &target,
                const std::string &corner) {
    rt::Program prog = take(rt::readProgram(path));
    hw::Target tgt = target.empty() ? take(rt::programTarget(prog))
                                    : take(hw::loadTarget(target));
    if (!corner.empty())
      if (absl::Status st = hw::selectCorner(tgt, corner); !st.ok())
        raise(st);
    exec = take(rt::Executor::create(std::move(prog), std::move(tgt)));
  }

  /// (name, shape, element type) of each input of the main graph.
  std::vector<py::tuple> inputs() const {
    const rt::Graph &g = exec->program().graphs[0];
    std::vector<py::tuple> out;
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      const rt::ValueInfo &v = g.values[size_t(g.inputs[i])];
      out.push_back(py::make_tuple(g.inputNames[i], v.shape, v.type.str()));
    }
    return out;
  }

  std::vector<std::string> outputNames() const {
    return exec->program().graphs[0].outputNames;
  }

  /// Runs one inference on {name: .npy bytes}; returns (outputs as {name:
  /// .npy bytes}, report JSON, summary, trace JSON or "").
  py::tuple run(const py::dict &npy, bool trace) const {
    const rt::Graph &g = exec->program().graphs[0];
    std::vector<ref::Tensor> args;
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      const std::string &name = g.inputNames[i];
      if (!npy.contains(name))
        throw py::value_error("missing input '" + name + "'");
      const std::string bytes = py::cast<std::string>(npy[name.c_str()]);
      NpyArray array = take(parseNpy(bytes, "input '" + name + "'"));
      ref::Tensor t = take(
          rt::tensorFromNpy(array, g.values[size_t(g.inputs[i])]));
      if (absl::Status st = rt::checkFinite(t, "input '" + name + "'");
          !st.ok())
        raise(st);
      args.push_back(std::move(t));
    }
    for (const auto &item : npy) {
      const std::string key = py::cast<std::string>(item.first);
      bool known = false;
      for (const std::string &n : g.inputNames)
        known |= n == key;
      if (!known)
        throw py::value_error("the program has no input '" + key + "'");
    }
    rt::RunOptions options;
    options.trace = trace;
    rt::RunResult r;
    {
      py::gil_scoped_release release;
      r = take(exec->run(args, options));
    }
    return result(r);
  }

  /// The static estimate (snn-run --dense): ({}, report, summary, trace).
  py::tuple estimate(bool trace) const {
    rt::RunOptions options;
    options.trace = trace;
    rt::RunResult r;
    {
      py::gil_scoped_release release;
      r = take(exec->estimate(options));
    }
    return result(r);
  }

  std::string disassemble() const { return rt::disassemble(exec->program()); }
  std::string targetName() const { return exec->target().name; }
  std::string corner() const { return exec->target().tech.corner; }

private:
  py::tuple result(const rt::RunResult &r) const {
    const rt::Graph &g = exec->program().graphs[0];
    py::dict outs;
    for (size_t i = 0; i < r.outputs.size() && i < g.outputs.size(); ++i) {
      NpyArray a = take(rt::tensorToNpy(
          r.outputs[i], g.values[size_t(g.outputs[i])].type));
      outs[g.outputNames[i].c_str()] = py::bytes(serializeNpy(a));
    }
    return py::make_tuple(outs, r.reportJson, r.summary, r.traceJson);
  }

  std::unique_ptr<rt::Executor> exec;
};

/// What a target is before anything is compiled for it (snn-target's
/// numbers): areas, the effective clock, cores, SRAM. Loading errors
/// (ValueError) name the field at fault.
py::dict describeTarget(const std::string &nameOrPath,
                        const std::string &corner) {
  hw::Target t = take(hw::loadTarget(nameOrPath));
  if (!corner.empty())
    if (absl::Status st = hw::selectCorner(t, corner); !st.ok())
      raise(st);
  hw::PhysicalModel pm = take(hw::PhysicalModel::build(t));
  py::dict d, tiers;
  int64_t cores = 0, pes = 0, lifUnits = 0, weightBytes = 0, actBytes = 0,
          anyBytes = 0;
  for (size_t i = 0; i < t.tiers.size(); ++i) {
    tiers[t.tiers[i].name.c_str()] = pm.tierFootprint(int(i));
    for (const hw::Block &b : t.tiers[i].blocks) {
      if (b.kind == hw::BlockKind::Core) {
        ++cores;
        pes += b.core.rows * b.core.cols;
        lifUnits += b.core.lifUnits;
        continue;
      }
      int64_t &bytes = b.sram.holds == hw::SramRole::Weights ? weightBytes
                       : b.sram.holds == hw::SramRole::Activations
                           ? actBytes
                           : anyBytes;
      bytes += b.sram.capacityBytes;
    }
  }
  d["name"] = t.name;
  d["corner"] = t.tech.corner;
  d["tiers"] = t.tiers.size();
  d["tier_footprint_mm2"] = tiers;
  d["footprint_mm2"] = pm.stackFootprint();
  d["silicon_mm2"] = pm.siliconArea();
  d["clock_mhz"] = t.clockMhz;
  d["effective_clock_mhz"] = pm.effectiveClockMhz();
  d["longest_wire_mm"] = pm.longestWireMm();
  d["cores"] = cores;
  d["pes"] = pes;
  d["lif_units"] = lifUnits;
  d["weight_sram_bytes"] = weightBytes;
  d["activation_sram_bytes"] = actBytes;
  d["sram_bytes"] = weightBytes + actBytes + anyBytes;
  d["dram_bits_per_cycle"] = pm.dramBitsPerCycle();
  py::list links;
  for (const hw::VerticalLink &l : t.links) {
    py::dict ld;
    ld["lower"] = t.tiers[size_t(l.lower)].name;
    ld["upper"] = t.tiers[size_t(l.upper)].name;
    ld["bond_pitch_um"] = l.bondPitchUm;
    ld["signal_fraction"] = l.signalFraction;
    ld["energy_pj_per_bit"] = l.energyPjPerBit;
    ld["latency_cycles"] = l.latencyCycles;
    ld["signal_bits_per_cycle"] = pm.verticalBitsPerCycle(l);
    links.append(ld);
  }
  d["vertical_links"] = links;
  py::dict tech; // the technology's values at the corner in effect
  for (const auto &[key, unit] : hw::technologyKeys())
    tech[key.c_str()] = t.tech[key];
  d["technology"] = tech;
  return d;
}

} // namespace

PYBIND11_MODULE(_runtime, m) {
  m.doc() = "SpikeStack's executor (MLIR-free); use spikestack.runtime";
  py::class_<LoadedProgram>(m, "LoadedProgram")
      .def(py::init<const std::string &, const std::string &,
                    const std::string &>(),
           py::arg("path"), py::arg("target") = "", py::arg("corner") = "")
      .def("inputs", &LoadedProgram::inputs)
      .def("output_names", &LoadedProgram::outputNames)
      .def("run", &LoadedProgram::run, py::arg("npy"), py::arg("trace") = false)
      .def("estimate", &LoadedProgram::estimate, py::arg("trace") = false)
      .def("disassemble", &LoadedProgram::disassemble)
      .def("target_name", &LoadedProgram::targetName)
      .def("corner", &LoadedProgram::corner);
  m.def("presets", &hw::presetNames);
  m.def("describe_target", &describeTarget, py::arg("target"),
        py::arg("corner") = "");
}
