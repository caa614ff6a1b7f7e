//===- SNNOps.td - snn dialect operations -------------------*- tablegen -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNOPS_TD
#define SPIKESTACK_DIALECT_SNN_IR_SNNOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "spikestack/Dialect/SNN/IR/SNNBase.td"
include "spikestack/Dialect/SNN/IR/SNNEnums.td"
include "spikestack/Dialect/SNN/IR/SNNTypes.td"
include "spikestack/Dialect/SNN/IR/SNNAttrs.td"
include "spikestack/Dialect/SNN/IR/SNNInterfaces.td"

//===----------------------------------------------------------------------===//
// Constants and conversions
//===----------------------------------------------------------------------===//

def SNN_ConstantOp : SNN_Op<"constant", [ConstantLike, Pure]> {
  let summary = "constant tensor of spikes, counts or fixed-point values";
  let description = [{
    Materialises a tensor whose element type belongs to this dialect. The
    `value` holds the raw integers (0/1 for spikes, the count for counts,
    the stored two's-complement integer for fixed point) with the same
    shape as the result. Plain `f32` constants use `arith.constant`.

    ```mlir
    %w = snn.constant dense<[[3, -2], [127, 0]]> : tensor<2x2xi8>
           -> tensor<2x2x!snn.fixed<8, 7>>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs RankedTensorOf<[SNN_SpikeType, SNN_CountType,
                                      SNN_FixedType]>:$output);
  let assemblyFormat = "$value attr-dict `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def SNN_CastOp : SNN_Op<"cast", [Pure, SameOperandsAndResultShape]> {
  let summary = "value-preserving element type conversion";
  let description = [{
    Converts between element types without changing any value. Allowed:
    spike -> count/fixed/f32, count -> count/fixed/f32, fixed -> f32, and
    f32 -> spike/count. Casts to a fixed-point type need non-negative
    fractional bits and a range holding the count bound. A cast to a
    narrower count (or to spikes) is checked at run time and fails with the
    element index if a value does not fit. Counts above 2^24 and fixed-point
    values of more than 24 significant bits round (to nearest even) in f32.
    Conversions that round on purpose are `snn.quantize` and
    `snn.requantize`.
  }];
  let arguments = (ins SNN_ActTensor:$input);
  let results = (outs SNN_ActTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def SNN_QuantizeOp : SNN_Op<"quantize", [Pure, SameOperandsAndResultShape]> {
  let summary = "round f32 values to fixed point";
  let description = [{
    `raw = saturate(round(x * 2^F))` with the `rounding` mode, saturating to
    the `W`-bit range of the result `!snn.fixed<W, F>`.
  }];
  let arguments = (ins SNN_F32Tensor:$input,
    DefaultValuedAttr<SNN_RoundingModeAttr,
                      "::spikestack::snn::RoundingMode::NearestEven">:$rounding);
  let results = (outs RankedTensorOf<[SNN_FixedType]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def SNN_RequantizeOp : SNN_Op<"requantize", [Pure, SameOperandsAndResultShape]> {
  let summary = "change the format of fixed-point values";
  let description = [{
    Converts `!snn.fixed<W1, F1>` to `!snn.fixed<W2, F2>`: the raw value is
    shifted by `F2 - F1` bits (a right shift rounds with `rounding`) and
    saturated to `W2` bits.
  }];
  let arguments = (ins RankedTensorOf<[SNN_FixedType]>:$input,
    DefaultValuedAttr<SNN_RoundingModeAttr,
                      "::spikestack::snn::RoundingMode::NearestEven">:$rounding);
  let results = (outs RankedTensorOf<[SNN_FixedType]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def SNN_DequantizeOp : SNN_Op<"dequantize", [Pure,
    AllShapesMatch<["input", "output"]>]> {
  let summary = "per-channel rescale of an integer accumulator to f32";
  let description = [{
    The epilogue of a weight-only quantized synaptic op (one whose result
    feeds a real-valued stream, so no neuron can absorb the weight scale):
    for channel `c` along `channel_dim`,
    `y = f32(f32(raw * 2^-F) * scale[c])`, then `y = f32(y + bias[c])` when
    `bias` is given. Each step is one IEEE-754 binary32 operation rounded to
    nearest-even, so the result is exact given the accumulator; the
    executor's vector units perform the same two operations.

    ```mlir
    %y = snn.dequantize %acc, %scale, %bias {channel_dim = 1 : i64}
      : tensor<4x128x8x8x!snn.fixed<32, 0>>, tensor<128xf32>, tensor<128xf32>
      -> tensor<4x128x8x8xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[SNN_FixedType]>:$input,
    SNN_ChannelParam:$scale, Optional<SNN_ChannelParam>:$bias,
    I64Attr:$channel_dim);
  let results = (outs SNN_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` type($input) `,`
      type($scale) (`,` type($bias)^)? `->` type($output)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Neurons
//===----------------------------------------------------------------------===//

class SNN_NeuronOp<string mnemonic, list<Trait> traits = []>
    : SNN_Op<mnemonic, !listconcat(traits, [Pure, AttrSizedOperandSegments,
        DeclareOpInterfaceMethods<SNN_NeuronOpInterface>])> {
  let results = (outs SNN_SpikeTensor:$output);
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  // All attributes and per-channel operands from one NeuronParams.
  let builders = [
    OpBuilder<(ins "::mlir::Type":$output, "::mlir::Value":$input,
                   "const ::spikestack::snn::NeuronParams &":$params)>
  ];
  let assemblyFormat = [{
    $input
    (`channel_threshold` `(` $channel_threshold^ `:` type($channel_threshold) `)`)?
    (`channel_reset` `(` $channel_reset^ `:` type($channel_reset) `)`)?
    (`channel_tau` `(` $channel_tau^ `:` type($channel_tau) `)`)?
    attr-dict `:` type($input) `->` type($output)
  }];
}

def SNN_LIFOp : SNN_NeuronOp<"lif"> {
  let summary = "leaky integrate-and-fire neurons over time-major input";
  let description = [{
    Runs one LIF neuron per element of `input[t]` over the leading time
    dimension `T` of `input : [T, ...]`, producing spikes of the same shape.
    With `V` the membrane (initially `v_init`, by default `v_reset` for a
    hard reset and 0 for a soft reset), for each `t` and `X = input[t]`:

    * charge, `decay_input = true`:  `H = V + (X - (V - v_reset)) / tau`
    * charge, `decay_input = false`: `H = V - (V - v_reset) / tau + X`
      (computed as `V * (1 - 1/tau) + X` when `v_reset = 0`, as
      SpikingJelly does; `1 - 1/tau` is computed in double for the scalar
      `tau`, as a Python float, and in f32 for `channel_tau`, a tensor)
    * fire: `S = H - v_threshold >= 0` (`compare = ge`) or `> 0` (`gt`)
    * reset: hard `V = S ? v_reset : H`; soft `V = H - S * v_threshold`

    **Float domain** (no `membrane_type`): every step is an IEEE f32
    operation in the order written, with the parameters rounded to f32,
    which is bit-identical to SpikingJelly's `LIFNode`/`MultiStepLIFNode`.
    Spike and count inputs are converted to f32 exactly.

    **Fixed-point domain** (`membrane_type = !snn.fixed<W, F>`): `X` and
    `V` are raw integers with `F` fractional bits (spike/count inputs are
    scaled by `2^F`); `1/tau` is the constant `M = round_even(2^15 / tau)`
    applied as `(d * M) >> 15` rounded with `rounding`; differences inside
    the charge are exact and the new `H` (and a soft-reset `V`) saturate to
    `W` bits. Thresholds, resets and the initial value must be exactly
    representable in the membrane format.

    Per-channel parameters (learned thresholds, per-channel thresholds
    after quantization) are the optional 1-D `f32` operands
    `channel_threshold`, `channel_reset`, `channel_tau`, indexed along
    `channel_dim`; they override the scalar attribute of the same name.

    ```mlir
    %s = snn.lif %x {v_threshold = 5.000000e-01 : f64}
           : tensor<4x1x64x128xf32> -> tensor<4x1x64x128x!snn.spike>
    ```
  }];
  let arguments = (ins SNN_ActTensor:$input,
    Optional<SNN_ChannelParam>:$channel_threshold,
    Optional<SNN_ChannelParam>:$channel_reset,
    Optional<SNN_ChannelParam>:$channel_tau,
    DefaultValuedAttr<F64Attr, "2.0">:$tau,
    DefaultValuedAttr<F64Attr, "1.0">:$v_threshold,
    DefaultValuedAttr<F64Attr, "0.0">:$v_reset,
    DefaultValuedAttr<SNN_ResetModeAttr,
                      "::spikestack::snn::ResetMode::Hard">:$reset,
    DefaultValuedAttr<BoolAttr, "true">:$decay_input,
    DefaultValuedAttr<SNN_CompareModeAttr,
                      "::spikestack::snn::CompareMode::GE">:$compare,
    OptionalAttr<F64Attr>:$v_init,
    OptionalAttr<I64Attr>:$channel_dim,
    OptionalAttr<TypeAttrOf<SNN_FixedType>>:$membrane_type,
    DefaultValuedAttr<SNN_RoundingModeAttr,
                      "::spikestack::snn::RoundingMode::NearestEven">:$rounding);
}

def SNN_IFOp : SNN_NeuronOp<"if"> {
  let summary = "integrate-and-fire neurons (no leak) over time-major input";
  let description = [{
    Like `snn.lif` without leak: the charge is `H = V + X`; firing, reset,
    per-channel operands and the float and fixed-point domains are as for
    `snn.lif` (`channel_tau` is not allowed).
  }];
  let arguments = (ins SNN_ActTensor:$input,
    Optional<SNN_ChannelParam>:$channel_threshold,
    Optional<SNN_ChannelParam>:$channel_reset,
    Optional<SNN_ChannelParam>:$channel_tau,
    DefaultValuedAttr<F64Attr, "1.0">:$v_threshold,
    DefaultValuedAttr<F64Attr, "0.0">:$v_reset,
    DefaultValuedAttr<SNN_ResetModeAttr,
                      "::spikestack::snn::ResetMode::Hard">:$reset,
    DefaultValuedAttr<SNN_CompareModeAttr,
                      "::spikestack::snn::CompareMode::GE">:$compare,
    OptionalAttr<F64Attr>:$v_init,
    OptionalAttr<I64Attr>:$channel_dim,
    OptionalAttr<TypeAttrOf<SNN_FixedType>>:$membrane_type,
    DefaultValuedAttr<SNN_RoundingModeAttr,
                      "::spikestack::snn::RoundingMode::NearestEven">:$rounding);
}

//===----------------------------------------------------------------------===//
// Synaptic operators
//===----------------------------------------------------------------------===//

def SNN_LinearOp : SNN_Op<"linear", [Pure,
    DeclareOpInterfaceMethods<SNN_SynapticOpInterface>]> {
  let summary = "fully connected synapses y = x W^T + b";
  let description = [{
    `input : [..., K]`, `weight : [N, K]` (PyTorch layout), optional
    `bias : [N]`, result `[..., N]`; any number of leading dimensions
    (time, batch, tokens).

    * float domain: `f32` weight and bias; the input may be spikes, counts
      or f32; the product is accumulated exactly (in double), rounded to
      f32, then the bias is added in f32.
    * integer domain: `!snn.fixed<Ww, Fw>` weight; input spikes, counts or
      `!snn.fixed<Wi, Fi>`; the result `!snn.fixed<Wo, Fi + Fw>` is the
      exact integer sum of products plus the bias (whose type must have
      `Fi + Fw` fractional bits), saturated once to `Wo` bits.
  }];
  let arguments = (ins SNN_ActTensor:$input, SNN_WeightTensor:$weight,
                       Optional<SNN_WeightTensor>:$bias);
  let results = (outs SNN_ActTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SNN_Conv2dOp : SNN_Op<"conv2d", [Pure,
    DeclareOpInterfaceMethods<SNN_SynapticOpInterface>]> {
  let summary = "2-D convolution over [..., C, H, W] activations";
  let description = [{
    `input : [..., C, H, W]` (any leading dimensions, e.g. `[T, B]`),
    `weight : [O, C / groups, KH, KW]`, optional `bias : [O]`; result
    `[..., O, OH, OW]` with
    `OH = (H + pad_top + pad_bottom - dilation_h * (KH - 1) - 1) / stride_h + 1`.
    `pad` is `[top, left, bottom, right]`, zero padded. Numerics by element
    type exactly as for `snn.linear`.
  }];
  let arguments = (ins SNN_ActTensor:$input, SNN_WeightTensor:$weight,
    Optional<SNN_WeightTensor>:$bias,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pad,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilation,
    DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs SNN_ActTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SNN_BatchNormOp : SNN_Op<"batch_norm", [Pure,
    AllTypesMatch<["scale", "offset", "mean", "variance"]>,
    AllTypesMatch<["input", "output"]>]> {
  let summary = "inference batch normalization";
  let description = [{
    `y = x * a + b` per channel along `channel_dim`, computed in f32 as
    PyTorch's CPU inference kernel does: `a = (1 / sqrtf(variance +
    epsilon)) * scale`, `b = fma(-mean, a, offset)`, `y = fma(x, a, b)`. Canonicalization
    folds it into a preceding `snn.linear` / `snn.conv2d` with constant
    weights (exact in real arithmetic; f32 results may change in the last
    bit). Only f32; quantization requires it folded.
  }];
  let arguments = (ins SNN_F32Tensor:$input, SNN_ChannelParam:$scale,
    SNN_ChannelParam:$offset, SNN_ChannelParam:$mean,
    SNN_ChannelParam:$variance,
    DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon, I64Attr:$channel_dim);
  let results = (outs SNN_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $offset `,` $mean `,` $variance attr-dict
      `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

class SNN_Pool2dOp<string mnemonic, string what> : SNN_Op<mnemonic, [Pure]> {
  let summary = what # " pooling over [..., C, H, W]";
  let results = (outs SNN_ActTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def SNN_MaxPool2dOp : SNN_Pool2dOp<"max_pool2d", "max"> {
  let description = [{
    Max over `kernel` windows with `strides`, `pad = [top, left, bottom,
    right]` (padding never wins) and `ceil_mode` as in PyTorch. Any element
    type; on spikes it is an OR, so the result stays `!snn.spike`.
  }];
  let arguments = (ins SNN_ActTensor:$input, DenseI64ArrayAttr:$kernel,
    DenseI64ArrayAttr:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pad,
    DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
}

def SNN_AvgPool2dOp : SNN_Pool2dOp<"avg_pool2d", "average"> {
  let description = [{
    Mean over `kernel` windows (PyTorch `AvgPool2d`, with
    `count_include_pad`). Spike and count inputs give an f32 result.
  }];
  let arguments = (ins SNN_ActTensor:$input, DenseI64ArrayAttr:$kernel,
    DenseI64ArrayAttr:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pad,
    DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
    DefaultValuedAttr<BoolAttr, "true">:$count_include_pad);
}

def SNN_AddOp : SNN_Op<"add", [Pure, Commutative, SameOperandsAndResultShape]> {
  let summary = "residual add for spike and membrane shortcuts";
  let description = [{
    Elementwise sum of two tensors of the same shape.

    * spike shortcuts: spikes and counts add to `!snn.count<N>` with
      `N >= max(lhs) + max(rhs)` (spikes count as 1), exact;
    * membrane shortcuts: `f32 + f32` (or spikes/counts with f32) is an
      f32 add; `!snn.fixed<_, F> + !snn.fixed<_, F>` is exact and
      saturates to the result width.
  }];
  let arguments = (ins SNN_ActTensor:$lhs, SNN_ActTensor:$rhs);
  let results = (outs SNN_ActTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def SNN_ScaleOp : SNN_Op<"scale", [Pure, SameOperandsAndResultType]> {
  let summary = "multiply by a constant";
  let description = [{
    `y = x * factor` in f32 (the factor rounded to f32, which must give a
    finite, non-zero, normal f32). Folds away when the factor is 1, merges
    with another `snn.scale`, and is absorbed into a producing
    `snn.linear`/`snn.conv2d` with constant weights (when every scaled
    weight is exact) or into a neuron's thresholds, when one of the factors
    is a power of two. Power-of-two scaling commutes with f32 rounding as
    long as no intermediate value overflows or becomes subnormal, the usual
    caveat of such folds.
  }];
  let arguments = (ins SNN_F32Tensor:$input, F64Attr:$factor);
  let results = (outs SNN_F32Tensor:$output);
  let assemblyFormat = "$input `by` $factor attr-dict `:` type($input)";
  let hasFolder = 1;
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def SNN_ReadoutOp : SNN_Op<"readout", [Pure]> {
  let summary = "mean over tokens and time (classifier readout)";
  let description = [{
    `input : [T, B, ...]`: the mean over `token_dims` (all at once), then
    the mean over time (dimension 0), each rounded to f32 in the float
    domain, as in `x.mean(2).mean(0)`. The result drops dimension 0 and
    the token dimensions. With a fixed-point result the sum over tokens and
    time is exact and divided once with `rounding`.

    With `keep_time` only the tokens are averaged and the time dimension
    stays (Spike-driven Transformer's head averages tokens, fires, applies
    the classifier per step, then averages time).
  }];
  let arguments = (ins SNN_ActTensor:$input, DenseI64ArrayAttr:$token_dims,
    DefaultValuedAttr<SNN_RoundingModeAttr,
                      "::spikestack::snn::RoundingMode::NearestEven">:$rounding,
    DefaultValuedAttr<BoolAttr, "false">:$keep_time);
  let results = (outs RankedTensorOf<[F32, SNN_FixedType]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def SNN_SpikingAttentionOp : SNN_Op<"spiking_attention", [Pure,
    AllTypesMatch<["q", "k", "v", "output"]>]> {
  let summary = "spiking multi-head self-attention (SSA / SDSA)";
  let description = [{
    `q, k, v : [T, B, N, C]` spikes, `C = num_heads * d`; the result has the
    same shape and is spikes. Channel `c` belongs to head `c / d`.

    * `ssa` (Spikformer): per `t, b` and head `h`,
      `A = Q_h K_h^T` (AND + popcount, `N x N` integers),
      `X_h = (A V_h) * scale`; heads are concatenated and the attention
      neuron runs over time on `X : [T, B, N, C]`.
    * `sdsa` (Spike-driven Transformer v1): per `t, b, c`,
      `kv = scale * sum_n K[t,b,n,c] * V[t,b,n,c]`; the attention neuron
      runs over time on `kv : [T, B, 1, C]`; `out = Q * spikes(kv)`.

    `neuron` holds the attention neuron (Spikformer: `v_threshold = 0.5`).
    Integer sums are exact; in the float domain `X * scale` is one f32
    multiply (identical to PyTorch when `scale` is a power of two).

    `head_keep_ratio = p` enables dynamic head pruning: for each batch
    element the `ceil(p * num_heads)` heads with the most spikes in `Q`
    (summed over time, tokens and channels; ties keep the lower head index)
    are computed, the others output zero spikes.

    `head_gate : [B, N, H]` (SSA, float domain) weights the heads per token,
    a mixture of heads: `X_h[t, b, n, :]` is multiplied by
    `head_gate[b, n, h]` (one f32 multiply after the scale) before the
    attention neuron. A head whose gate is zero needs no compute for that
    token; the gates come from a router (`snn.moe_router` +
    `snn.moe_gates`).
  }];
  let arguments = (ins SNN_SpikeTensor:$q, SNN_SpikeTensor:$k,
    SNN_SpikeTensor:$v, Optional<SNN_F32Tensor>:$head_gate,
    SNN_AttentionVariantAttr:$variant,
    ConfinedAttr<I64Attr, [IntPositive]>:$num_heads,
    DefaultValuedAttr<F64Attr, "1.0">:$scale, SNN_NeuronAttr:$neuron,
    OptionalAttr<F64Attr>:$head_keep_ratio);
  let results = (outs SNN_SpikeTensor:$output);
  // The result has the type of `q`; no head pruning.
  let builders = [
    OpBuilder<(ins "::mlir::Value":$q, "::mlir::Value":$k, "::mlir::Value":$v,
                   "::spikestack::snn::AttentionVariant":$variant,
                   "int64_t":$num_heads, "double":$scale,
                   "::spikestack::snn::NeuronAttr":$neuron,
                   CArg<"::mlir::Value", "{}">:$head_gate), [{
      build($_builder, $_state, q.getType(), q, k, v, head_gate,
            ::spikestack::snn::AttentionVariantAttr::get(
                $_builder.getContext(), variant),
            $_builder.getI64IntegerAttr(num_heads),
            $_builder.getF64FloatAttr(scale), neuron, ::mlir::FloatAttr());
    }]>
  ];
  let assemblyFormat = [{
    $variant $q `,` $k `,` $v
      (`head_gate` `(` $head_gate^ `:` type($head_gate) `)`)?
      attr-dict `:` type($q)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

def SNN_MoeRouterOp : SNN_Op<"moe_router", [Pure]> {
  let summary = "top-k token router with optional expert capacity";
  let description = [{
    `input : [T, B, N, D]`, `gate_weight : [E, D]`, optional
    `gate_bias : [E]`. For each token `(b, n)`:

    1. rate `r = mean_t input[t, b, n, :]` (the sum over time rounded to
       f32, then divided by `T` in f32), or with
       `route_time_step = s` the single step `r = input[s, b, n, :]`
       (some exports route on the first time step only);
    2. logits `z = r W^T + bias` (as `snn.linear`), `p = softmax(z)` in f32
       (`exp(z - max z) * (1 / sum)`, as PyTorch's CPU kernel);
    3. the `top_k` experts by `p`, descending, ties to the lower index;
    4. gates `g_i = p_{e_i}`, or with `normalize_gates`
       `g_i = p_{e_i} / sum_j p_{e_j}`;
    5. with `capacity = C`, each expert accepts at most `C` assignments per
       batch element, in GShard order: all first choices in token order,
       then all second choices, ...; an assignment past the capacity is
       dropped (`slot = -1`) and contributes nothing (its `gate` keeps the
       value of step 4, computed before any drop; `snn.moe_combine` skips
       it).

    Results, each `[B, N, top_k]`: `expert_index` (i32), `gate` (f32) and
    `slot` (i32 position in the expert's buffer, or -1). The routing is
    data dependent: the hardware evaluates it at run time.
  }];
  let arguments = (ins SNN_ActTensor:$input, SNN_F32Tensor:$gate_weight,
    Optional<SNN_F32Tensor>:$gate_bias,
    ConfinedAttr<I64Attr, [IntPositive]>:$top_k,
    OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$capacity,
    DefaultValuedAttr<BoolAttr, "false">:$normalize_gates,
    OptionalAttr<ConfinedAttr<I64Attr, [IntNonNegative]>>:$route_time_step);
  let results = (outs RankedTensorOf<[I32]>:$expert_index,
                      SNN_F32Tensor:$gate, RankedTensorOf<[I32]>:$slot);
  // The result types `[B, N, top_k]` follow from `input : [T, B, N, D]`.
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$gate_weight,
                   "::mlir::Value":$gate_bias, "int64_t":$top_k,
                   "std::optional<int64_t>":$capacity,
                   "bool":$normalize_gates,
                   "std::optional<int64_t>":$route_time_step)>
  ];
  let assemblyFormat = [{
    $input `,` $gate_weight (`,` $gate_bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SNN_MoeGatesOp : SNN_Op<"moe_gates", [Pure]> {
  let summary = "dense per-expert gates from a routing";
  let description = [{
    `expert_index, gate : [B, N, K]` from `snn.moe_router` give
    `out : [B, N, num_experts]` with `out[b, n, e] = gate[b, n, i] * scale`
    (one f32 multiply) for the choice `i` with `expert_index[b, n, i] = e`,
    and 0 for experts not chosen. Used where the experts are parts of one
    op rather than separate bodies: the heads of a mixture-of-heads
    attention (`snn.spiking_attention`'s `head_gate`), whose exporters scale
    the renormalised gates by `K` so that they average 1.
  }];
  let arguments = (ins RankedTensorOf<[I32]>:$expert_index,
    SNN_F32Tensor:$gate, ConfinedAttr<I64Attr, [IntPositive]>:$num_experts,
    DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs SNN_F32Tensor:$output);
  let assemblyFormat = [{
    $expert_index `,` $gate attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SNN_MoeDispatchOp : SNN_Op<"moe_dispatch", [Pure]> {
  let summary = "gather routed tokens into per-expert buffers";
  let description = [{
    `input : [T, B, N, D]` and a routing from `snn.moe_router` give
    `[E, T, B, C, D]` where `out[e, t, b, s] = input[t, b, n]` for the
    assignment of token `n` to expert `e` at slot `s`; empty slots are zero
    (GShard's `tbnd,bnec->tebcd`). Without a router capacity `C = N`.
  }];
  let arguments = (ins SNN_ActTensor:$input, RankedTensorOf<[I32]>:$expert_index,
    RankedTensorOf<[I32]>:$slot,
    ConfinedAttr<I64Attr, [IntPositive]>:$num_experts,
    ConfinedAttr<I64Attr, [IntPositive]>:$capacity);
  let results = (outs SNN_ActTensor:$output);
  let assemblyFormat = [{
    $input `,` $expert_index `,` $slot attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SNN_MoeExpertsOp : SNN_Op<"moe_experts", [
    IsolatedFromAbove, RecursiveMemoryEffects, RecursivelySpeculatable,
    SingleBlock]> {
  let summary = "the expert bodies applied to their token buffers";
  let description = [{
    `input : [E, T, B, C, D]` from `snn.moe_dispatch`; each of `params` has
    a leading expert dimension `E` (the stacked expert weights and
    per-channel neuron parameters). The body region runs once per expert
    `e` with `input[e]` and `params[i][e]` as block arguments and yields
    `[T, B, C, D']`; the result stacks them into `[E, T, B, C, D']`. The
    body is isolated from above so that tiling and placement can treat each
    expert as an independent kernel; empty slots hold zeros and their
    outputs are ignored by `snn.moe_combine`.

    `zero_experts` lists experts the source model compiled out (an export
    that replaced them by zeros): their params are all zero and the body
    then yields zeros, so their output is zero for any input. The semantics
    do not depend on the list; it tells later passes that those experts
    need no compute or weight storage.
  }];
  let arguments = (ins SNN_ActTensor:$input, Variadic<AnyRankedTensor>:$params,
    OptionalAttr<DenseI64ArrayAttr>:$zero_experts);
  let results = (outs SNN_ActTensor:$output);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $input (`params` `(` $params^ `:` type($params) `)`)? attr-dict
      `:` type($input) `->` type($output) $body
  }];
  let hasRegionVerifier = 1;
}

def SNN_YieldOp : SNN_Op<"yield", [Pure, Terminator, HasParent<"MoeExpertsOp">,
    ReturnLike]> {
  let summary = "yield an expert body's output";
  let description = [{ Terminates the body of `snn.moe_experts`. }];
  let arguments = (ins AnyRankedTensor:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

def SNN_MoeCombineOp : SNN_Op<"moe_combine", [Pure]> {
  let summary = "gate-weighted merge of expert outputs";
  let description = [{
    `expert_output : [E, T, B, C, D]` and the routing give
    `out[t, b, n] = sum_i gate[b, n, i] * expert_output[e_i, t, b, s_i]`
    over the assignments `i` of token `n` that were not dropped, summed in
    f32 in the order `i = 0 .. top_k - 1` (GShard's `tebcd,bnec->tbnd`).
    The result is f32 `[T, B, N, D]`.
  }];
  let arguments = (ins SNN_ActTensor:$expert_output,
    RankedTensorOf<[I32]>:$expert_index, SNN_F32Tensor:$gate,
    RankedTensorOf<[I32]>:$slot);
  let results = (outs SNN_F32Tensor:$output);
  let assemblyFormat = [{
    $expert_output `,` $expert_index `,` $gate `,` $slot attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // SPIKESTACK_DIALECT_SNN_IR_SNNOPS_TD
