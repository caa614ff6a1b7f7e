//===- SNNEnums.td - snn dialect enums ----------------------*- tablegen -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNENUMS_TD
#define SPIKESTACK_DIALECT_SNN_IR_SNNENUMS_TD

include "mlir/IR/EnumAttr.td"
include "spikestack/Dialect/SNN/IR/SNNBase.td"

def SNN_ResetMode : I32EnumAttr<"ResetMode", "membrane reset after a spike", [
    I32EnumAttrCase<"Hard", 0, "hard">,
    I32EnumAttrCase<"Soft", 1, "soft">]> {
  let cppNamespace = "::spikestack::snn";
  let genSpecializedAttr = 0;
  let description = [{
    `hard`: a neuron that fires is set to `v_reset` (SpikingJelly's default,
    NIR's only mode). `soft`: the threshold is subtracted from the membrane
    (reset by subtraction; SpikingJelly's `v_reset=None`).
  }];
}
def SNN_ResetModeAttr : EnumAttr<SNN_Dialect, SNN_ResetMode, "reset"> {
  let assemblyFormat = "`<` $value `>`";
}

def SNN_CompareMode : I32EnumAttr<"CompareMode", "spike firing comparison", [
    I32EnumAttrCase<"GE", 0, "ge">,
    I32EnumAttrCase<"GT", 1, "gt">]> {
  let cppNamespace = "::spikestack::snn";
  let genSpecializedAttr = 0;
  let description = [{
    `ge`: fire when `H - v_threshold >= 0` (SpikingJelly's Heaviside).
    `gt`: fire when `H > v_threshold` (NIR).
  }];
}
def SNN_CompareModeAttr : EnumAttr<SNN_Dialect, SNN_CompareMode, "compare"> {
  let assemblyFormat = "`<` $value `>`";
}

def SNN_RoundingMode : I32EnumAttr<"RoundingMode",
    "rounding of fixed-point results", [
    I32EnumAttrCase<"NearestEven", 0, "nearest_even">,
    I32EnumAttrCase<"NearestAway", 1, "nearest_away">,
    I32EnumAttrCase<"Floor", 2, "floor">,
    I32EnumAttrCase<"TowardZero", 3, "toward_zero">]> {
  let cppNamespace = "::spikestack::snn";
  let genSpecializedAttr = 0;
  let description = [{
    How a value that falls between two representable fixed-point values is
    rounded: to nearest with ties to even, to nearest with ties away from
    zero, toward minus infinity (an arithmetic right shift), or toward zero
    (truncation of the magnitude).
  }];
}
def SNN_RoundingModeAttr : EnumAttr<SNN_Dialect, SNN_RoundingMode, "rounding"> {
  let assemblyFormat = "`<` $value `>`";
}

def SNN_AttentionVariant : I32EnumAttr<"AttentionVariant",
    "spiking self-attention variant", [
    I32EnumAttrCase<"SSA", 0, "ssa">,
    I32EnumAttrCase<"SDSA", 1, "sdsa">]> {
  let cppNamespace = "::spikestack::snn";
  let genSpecializedAttr = 0;
  let description = [{
    `ssa`: Spikformer's spiking self-attention, `N((Q K^T) V * scale)`
    per head with no softmax. `sdsa`: spike-driven self-attention of
    Spike-driven Transformer v1, `Q * N(scale * sum_tokens(K * V))`.
  }];
}
def SNN_AttentionVariantAttr
    : EnumAttr<SNN_Dialect, SNN_AttentionVariant, "attention"> {
  let assemblyFormat = "`<` $value `>`";
}

def SNN_TileKind : I32EnumAttr<"TileKind", "what a core does with a tile", [
    I32EnumAttrCase<"Synaptic", 0, "synaptic">,
    I32EnumAttrCase<"AndAccumulate", 1, "and_accumulate">,
    I32EnumAttrCase<"ScoreValue", 2, "score_value">,
    I32EnumAttrCase<"Vector", 3, "vector">]> {
  let cppNamespace = "::spikestack::snn";
  let genSpecializedAttr = 0;
  let description = [{
    `synaptic`: weight-stationary spike accumulate, a `rows x cols` block of
    the weight matrix held in the array while input spike vectors stream
    through. `and_accumulate`: attention scores `Q K^T`, a block of `K^T`
    (spikes) held in the array, query spike vectors streaming (AND then
    accumulate). `score_value`: `A V` with a block of the multi-bit scores
    `A` held in the array and value spike columns streaming. `vector`: work
    on the core's LIF units only (neurons not fused with a synaptic op,
    residual adds, pooling, readout, MoE routing, dispatch and combine),
    `lif_units` elements per cycle.
  }];
}
def SNN_TileKindAttr : EnumAttr<SNN_Dialect, SNN_TileKind, "tile_kind"> {
  let assemblyFormat = "`<` $value `>`";
}

def SNN_Dataflow : I32EnumAttr<"Dataflow", "how an array pass holds its operands", [
    I32EnumAttrCase<"WeightStationary", 0, "weight_stationary">,
    I32EnumAttrCase<"OutputStationary", 1, "output_stationary">]> {
  let cppNamespace = "::spikestack::snn";
  let genSpecializedAttr = 0;
  let description = [{
    `weight_stationary`: a `rows x cols` block of the weights stays in the
    PEs while a bundle of spike vectors streams through; the bundle's
    partial sums go to the scratchpad, so every k block is reloaded once
    per bundle (fill and drain `R + C - 2` per pass). `output_stationary`
    (synaptic tilings only): each PE keeps one output's integration, one
    of `rows` vectors (a *fold* of `bundle <= rows` vectors) times one of
    `cols` columns, while the spikes stream along the rows and the weights
    along the columns, the whole reduction at once; nothing partial leaves
    the array and the scratchpad does not cap the fold (`2R + C + K - 2`
    cycles per fold, SCALE-Sim's count). A core's target entry lists the
    dataflows it supports (`docs/targets.md`).
  }];
}

#endif // SPIKESTACK_DIALECT_SNN_IR_SNNENUMS_TD
