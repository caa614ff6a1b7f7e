//===- SNNBase.td - snn dialect definition ------------------*- tablegen -*-===//
//
// The `snn` dialect: spiking neurons, synaptic operators, spiking attention
// and mixture-of-experts routing for spiking transformers.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNBASE_TD
#define SPIKESTACK_DIALECT_SNN_IR_SNNBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def SNN_Dialect : Dialect {
  let name = "snn";
  let cppNamespace = "::spikestack::snn";
  let summary = "Spiking neural networks and spiking transformers";
  let description = [{
    The `snn` dialect expresses spiking transformers (Spikformer,
    Spike-driven Transformer and their mixture-of-experts variants) at the
    level a compiler for spiking accelerators needs:

    * neurons (`snn.lif`, `snn.if`) over time-major tensors `[T, B, ...]`
      whose numerics (charge form, reset mode, firing comparison, initial
      state, fixed-point format and rounding) are explicit attributes;
    * synaptic operators (`snn.linear`, `snn.conv2d`, `snn.batch_norm`,
      pooling, residual `snn.add`, `snn.readout`) that accept spikes, spike
      counts, floats or fixed-point values, with the element types saying
      which;
    * spiking multi-head attention (`snn.spiking_attention`) as one op with
      the SSA and SDSA variants and run-time head pruning;
    * mixture-of-experts routing split into `snn.moe_router`,
      `snn.moe_dispatch`, `snn.moe_experts` (one region holding the expert
      body) and `snn.moe_combine`, so the routing decision and the expert
      bodies are visible to tiling and placement.

    Element types tell the value classes apart: `!snn.spike` (binary),
    `!snn.count<N>` (unsigned spike counts in `0..N`), `!snn.fixed<W, F>`
    (signed fixed point) and `f32` (real values, float reference
    semantics). See `docs/rationale.md` for the numerics conventions.

    Discardable attributes: `snn.name` (a string on function arguments and
    results) names the tensors that tools read and write (`<name>.npy`);
    `snn.onnx_name` (a string on any op) records the ONNX tensor an
    imported op computes, so that tools can compare the op's value with
    that tensor (`snn-run --dump-tagged`).
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  // `snn.name` on function arguments and results names the tensors that
  // tools read and write (<name>.npy).
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  // `snn.onnx_name` on an op records the ONNX tensor it computes.
  let hasOperationAttrVerify = 1;
  // The discardable attributes, declared once: the generated
  // `get<Name>AttrHelper()` / `<Name>AttrHelper::getNameStr()` give their
  // names (`snn.<name>`), `SNNDialect::verifyOperationAttribute` checks
  // them from one table keyed on these names, and SNNDialect.h gives the
  // short constants `snn::k<Name>Attr`. Written by the planning passes:
  // tiling, placement, schedule, barrier, wait, output_buffer,
  // weight_offsets, streamed (ops) and makespan (module); by the user or the
  // importer:
  // onnx_name, pin, pin_weights, pin_output (ops), target (module), name
  // (function arguments and results).
  let discardableAttrs = (ins
    "::mlir::StringAttr":$onnx_name,
    "::mlir::StringAttr":$pin,
    "::mlir::StringAttr":$pin_weights,
    "::mlir::StringAttr":$pin_output,
    "::mlir::ArrayAttr":$tiling,
    "::mlir::ArrayAttr":$placement,
    "::mlir::ArrayAttr":$schedule,
    "::mlir::IntegerAttr":$barrier,
    "::mlir::DenseI64ArrayAttr":$wait,
    "::mlir::Attribute":$output_buffer,
    "::mlir::ArrayAttr":$weight_offsets,
    "::mlir::UnitAttr":$streamed,
    "::mlir::StringAttr":$target,
    "::mlir::IntegerAttr":$makespan,
    "::mlir::StringAttr":$name
  );
  let extraClassDeclaration = [{
    void registerTypes();
    void registerAttributes();
  }];
}

class SNN_Op<string mnemonic, list<Trait> traits = []>
    : Op<SNN_Dialect, mnemonic, traits>;

#endif // SPIKESTACK_DIALECT_SNN_IR_SNNBASE_TD
