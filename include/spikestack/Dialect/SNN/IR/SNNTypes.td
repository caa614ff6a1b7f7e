//===- SNNTypes.td - snn dialect types ----------------------*- tablegen -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNTYPES_TD
#define SPIKESTACK_DIALECT_SNN_IR_SNNTYPES_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"
include "spikestack/Dialect/SNN/IR/SNNBase.td"

class SNN_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<SNN_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def SNN_SpikeType : SNN_Type<"Spike", "spike"> {
  let summary = "binary spike (0 or 1)";
  let description = [{
    A spike event: 0 or 1, one bit in hardware. Neurons produce spikes;
    synaptic operators consume them as an event-driven accumulate
    (`spike ? acc += w`). In `.npy` files spikes are `uint8`.
  }];
}

def SNN_CountType : SNN_Type<"Count", "count"> {
  let summary = "small unsigned spike count in 0..max";
  let description = [{
    A spike count with a static upper bound, e.g. the sum of spike
    shortcuts in Spikformer's residual stream (`!snn.count<2>` after one
    spike + spike add). The bound gives the bit width later passes need:
    `ceil(log2(max + 1))` bits. In `.npy` files counts are `int32`.

    ```mlir
    tensor<4x1x64x384x!snn.count<2>>
    ```
  }];
  let parameters = (ins "int64_t":$max);
  let assemblyFormat = "`<` $max `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Bits needed to hold every value in 0..max.
    unsigned getBitWidth() const;
  }];
}

def SNN_FixedType : SNN_Type<"Fixed", "fixed"> {
  let summary = "signed two's-complement fixed-point number";
  let description = [{
    `!snn.fixed<W, F>` is a signed two's-complement number of `W` bits of
    which `F` are fractional: the stored integer `r` stands for `r * 2^-F`.
    `2 <= W <= 32`; `-32 <= F <= 32`, so `F` may be negative (coarser than
    integers) or larger than `W`.
    Quantized weights (`!snn.fixed<8, 7>`), accumulators
    (`!snn.fixed<16, 0>`) and membrane potentials use it. Arithmetic that
    leaves the range saturates to `[-2^(W-1), 2^(W-1) - 1]`; rounding is an
    attribute of the op that rounds. In `.npy` files fixed-point tensors
    hold the raw integers as `int32`.
  }];
  let parameters = (ins "unsigned":$width, "int64_t":$frac);
  let assemblyFormat = "`<` $width `,` $frac `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getMinRaw() const;
    int64_t getMaxRaw() const;
    /// Value of one least-significant bit, 2^-frac.
    double getLsb() const;
    /// The format as the reference kernels describe it.
    ::spikestack::ref::FixedFormat getFormat() const;
  }];
}

def SNN_SpikeTensor : RankedTensorOf<[SNN_SpikeType]>;
def SNN_ActTensor : RankedTensorOf<[F32, SNN_SpikeType, SNN_CountType, SNN_FixedType]>;
def SNN_WeightTensor : RankedTensorOf<[F32, SNN_FixedType]>;
def SNN_F32Tensor : RankedTensorOf<[F32]>;
def SNN_ChannelParam : 1DTensorOf<[F32]>;

#endif // SPIKESTACK_DIALECT_SNN_IR_SNNTYPES_TD
