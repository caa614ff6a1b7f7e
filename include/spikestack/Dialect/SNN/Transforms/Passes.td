//===- Passes.td - snn lowering passes ---------------------*- tablegen -*-===//
//
// The lowering pipeline from imported (float, logical) snn IR towards a
// hardware target (docs/targets.md). One pass per file in
// lib/Dialect/SNN/Transforms; reference docs generated into
// docs/SNNPasses.md.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_DIALECT_SNN_TRANSFORMS_PASSES_TD
#define SPIKESTACK_DIALECT_SNN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SNNQuantize : Pass<"snn-quantize", "mlir::ModuleOp"> {
  let summary = "Integer synapses and fixed-point neurons with per-channel "
                "weight scales";
  let description = [{
    Turns each spiking layer of the float IR into the integer datapath of
    the accelerator: a synaptic op (`snn.linear`, `snn.conv2d`) whose input
    is spikes or spike counts and whose only consumer is a float-domain
    neuron (`snn.lif`, `snn.if`), optionally through an `snn.max_pool2d`.
    `snn.batch_norm` ops are first folded into the producing synaptic op
    (the dialect's canonicalization).

    For output channel `c` with weight row `W_c` and `qmax = 2^(b-1) - 1`
    for `weight-bits = b`:

    * scale `s_c = max|W_c| / qmax` (1 for an all-zero row), weights
      `q_c = clamp(round_half_even(W_c / s_c), -qmax, qmax)` as
      `!snn.fixed<b, 0>`; the bias becomes `round_half_even(b_c / s_c)` as
      `!snn.fixed<accumulator-bits, 0>`;
    * the synaptic op then computes `sum(q_c * x)`, exactly, which is the
      float layer's input current divided by `s_c`;
    * the neuron runs on that current with `membrane_type =
      !snn.fixed<membrane-bits, 0>` and the per-channel threshold
      `round_half_even(v_threshold / s_c)` (and reset, when nonzero) as
      `channel_threshold` (`channel_reset`) along the layer's channel
      dimension. The leak is linear, so dividing the membrane by `s_c`
      leaves `tau`, `decay_input` and the reset mode unchanged.

    Spikes leave every quantized neuron, so the ops around it need no
    change. Layers that do not have this form (real-valued inputs such as
    the image stem or membrane shortcuts, neurons with `v_init` or
    per-channel operands already, thresholds that do not fit the membrane)
    stay in the float domain; `remarks=true` names each with the reason, and
    `strict=true` makes any of them an error.

    Not yet handled: layout ops (`tensor.reshape`, `linalg.transpose`)
    between the synaptic op and the neuron, as the ONNX importer emits them
    around every layer, and batch norms that sit behind such ops.

    The reference interpreter runs the quantized IR; the executor must
    reproduce it bit for bit.
  }];
  let options = [
    Option<"weightBits", "weight-bits", "int64_t", /*default=*/"8",
           "Bits per weight, 2..8 (signed, symmetric)">,
    Option<"membraneBits", "membrane-bits", "int64_t", /*default=*/"16",
           "Bits of the membrane (synaptic integration) state, 4..32">,
    Option<"accumulatorBits", "accumulator-bits", "int64_t", /*default=*/"32",
           "Bits of the synaptic accumulator (the synaptic op's result)">,
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark on every neuron left in the float domain">,
    Option<"strict", "strict", "bool", /*default=*/"false",
           "Fail on any neuron that cannot be quantized">,
  ];
  let statistics = [
    Statistic<"numQuantized", "quantized-neurons",
              "Neurons moved to the fixed-point domain">,
    Statistic<"numFloat", "float-neurons",
              "Neurons left in the float domain">,
  ];
  let dependentDialects = ["spikestack::snn::SNNDialect",
                           "mlir::arith::ArithDialect"];
}

#endif
