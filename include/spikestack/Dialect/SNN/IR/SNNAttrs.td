//===- SNNAttrs.td - snn dialect attributes -----------------*- tablegen -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNATTRS_TD
#define SPIKESTACK_DIALECT_SNN_IR_SNNATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "spikestack/Dialect/SNN/IR/SNNBase.td"
include "spikestack/Dialect/SNN/IR/SNNEnums.td"
include "spikestack/Dialect/SNN/IR/SNNTypes.td"

// A double parameter printed in its shortest round-trip decimal form.
class SNN_DoubleParameter<string default, string desc>
    : DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(" # default # ")", desc> {
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
  let parser = "::spikestack::snn::parseDoubleParam($_parser)";
  let printer = "::spikestack::snn::printDoubleParam($_printer, $_self)";
}
class SNN_BoolParameter<string default, string desc>
    : DefaultValuedParameter<"bool", default, desc> {
  let parser = "::spikestack::snn::parseBoolParam($_parser)";
  let printer = "$_printer << ($_self ? \"true\" : \"false\")";
}
class SNN_OptDoubleParameter<string desc>
    : DefaultValuedParameter<"std::optional<::llvm::APFloat>", "std::nullopt", desc> {
  let parser = "::spikestack::snn::parseOptDoubleParam($_parser)";
  let printer = "::spikestack::snn::printDoubleParam($_printer, *$_self)";
}

def SNN_NeuronAttr : AttrDef<SNN_Dialect, "Neuron"> {
  let mnemonic = "neuron";
  let summary = "scalar parameters of an embedded LIF/IF neuron";
  let description = [{
    The neuron of an op that contains one, e.g. the attention neuron of
    `snn.spiking_attention`. The fields mean exactly what the attributes of
    `snn.lif` mean (see there for the update equations); `leaky = false`
    makes it an IF neuron (`tau` and `decay_input` are then ignored).
    Fields equal to their default are omitted when printed.

    ```mlir
    #snn.neuron<v_threshold = 0.5>
    #snn.neuron<v_threshold = 4.0, membrane_type = !snn.fixed<16, 0>>
    ```

    With `membrane_type` set the neuron runs in the fixed-point domain with
    that membrane format and `rounding`; every threshold, reset and initial
    value must then be representable in it.
  }];
  let parameters = (ins
    SNN_BoolParameter<"true", "false for an IF neuron (no leak)">:$leaky,
    SNN_DoubleParameter<"2.0", "membrane time constant (LIF)">:$tau,
    SNN_DoubleParameter<"1.0", "firing threshold">:$v_threshold,
    SNN_DoubleParameter<"0.0", "reset/rest potential">:$v_reset,
    DefaultValuedParameter<"ResetMode", "ResetMode::Hard",
                           "reset mode">:$reset,
    SNN_BoolParameter<"true", "charge form (SpikingJelly decay_input)">:$decay_input,
    DefaultValuedParameter<"CompareMode", "CompareMode::GE",
                           "firing comparison">:$compare,
    SNN_OptDoubleParameter<"initial membrane potential">:$v_init,
    OptionalParameter<"FixedType", "fixed-point membrane format">:$membrane_type,
    DefaultValuedParameter<"RoundingMode", "RoundingMode::NearestEven",
                           "rounding of the fixed-point leak">:$rounding
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def SNN_TilingAttr : AttrDef<SNN_Dialect, "Tiling"> {
  let mnemonic = "tiling";
  let summary = "how one matrix product (or vector job) of an op maps onto "
                "core arrays";
  let description = [{
    Written by `--snn-tile` in the op's `snn.tiling` array (one entry per
    product: a linear has one, SSA attention two). The product is
    `groups` independent matrices (attention heads times batch, experts,
    convolution groups) of `reduction x outputs`, each cut into
    `k_tiles x n_tiles` blocks of at most `rows x cols` (the core's array;
    the last block in each direction holds the remainder). Each block
    streams `vectors` input vectors (tokens times time steps, or value
    columns for `score_value`) in bundles of at most `bundle` vectors: all
    `T` steps of a group of tokens, so that the partial sums of a bundle
    fit the core scratchpad and membranes stay next to the array.
    `held_bits` is the width of one element of the held operand: the
    weight bits for `synaptic`, 1 for the spikes of `K^T`, the score width
    for `A` (the accumulator), 0 for `vector`.

    `dataflow` (default `weight_stationary`) says how the array holds the
    operands (`#snn.dataflow` above); for `output_stationary`, `bundle` is
    the fold: the vectors whose outputs one pass keeps in the array.

    A *column task* is one `(group, n-tile)` pair; it is cut along the
    streamed vectors into `row_tiles` (default 1) contiguous ranges of
    whole bundles, and each piece is a *task*, which the placer puts on one
    core: all `k_tiles` blocks of its columns accumulate there, and its LIF
    units then run the fused neuron. Task `i` is row tile
    `i % row_tiles` of column task `i / row_tiles` (group
    `i / row_tiles / n_tiles`, column block `i / row_tiles % n_tiles`).
    Every task keeps its own copy of its columns' weights, so the row
    tiles of one column block read different banks.

    The numbers are bounded as in a program (SNNLimits.h; the executor's
    program verifier has the same limits): arrays of at most 4096 x 4096,
    `reduction`, `outputs` and `vectors` at most 2^28, `groups` at most
    2^20, `bundle <= vectors`, at most 2^20 column tasks, 2^24 passes
    (`k_tiles` x bundles) per task and 2^28 streamed vectors (`groups` x
    `vectors` x `k_tiles`).

    ```mlir
    #snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 128,
                outputs = 512, groups = 1, vectors = 256, bundle = 32,
                held_bits = 8>
    ```
  }];
  let parameters = (ins
    "TileKind":$kind,
    "int64_t":$rows, "int64_t":$cols,
    "int64_t":$reduction, "int64_t":$outputs,
    "int64_t":$groups, "int64_t":$vectors, "int64_t":$bundle,
    "int64_t":$held_bits,
    DefaultValuedParameter<"Dataflow", "Dataflow::WeightStationary">:$dataflow,
    DefaultValuedParameter<"int64_t", "1">:$row_tiles
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The same tiling as a program holds it; rt::Tiling's functions are
    /// the tiling arithmetic (blocks, tasks, bundles).
    ::spikestack::rt::Tiling toRuntime() const;
    int64_t kTiles() const;
    int64_t nTiles() const;
    /// Tasks (column tasks x row tiles): one core each.
    int64_t numTasks() const;
    int64_t numBundles() const;
  }];
}

def SNN_PlacementAttr : AttrDef<SNN_Dialect, "Placement"> {
  let mnemonic = "placement";
  let summary = "where the tasks and buffers of one tiling live";
  let description = [{
    Written by `--snn-place`, parallel to `snn.tiling`: for each column
    task of the tiling, the core that runs it (`cores`, an index into the
    target's cores in tier-then-block order) and, for products with
    weights, the SRAM bank that holds that task's weight columns
    (`weight_banks`, an index into the target's SRAM banks; empty for
    weightless products). `output_bank` is the bank receiving the op's
    result (spikes, scores, routing state), or -1 when the result stays in
    the cores (a neuron fused into its synaptic op keeps its membrane in
    the LIF units). Bank and core indices refer to the module's
    `snn.target`.

    ```mlir
    #snn.placement<cores = array<i64: 0, 1, 2, 3>,
                   weight_banks = array<i64: 0, 0, 1, 1>, output_bank = 8>
    ```
  }];
  let parameters = (ins
    "::mlir::DenseI64ArrayAttr":$cores,
    "::mlir::DenseI64ArrayAttr":$weight_banks,
    "int64_t":$output_bank
  );
  let assemblyFormat = "`<` struct(params) `>`";
}

def SNN_ScheduleAttr : AttrDef<SNN_Dialect, "Schedule"> {
  let mnemonic = "schedule";
  let summary = "when the column tasks of one tiling run";
  let description = [{
    Written by `--snn-schedule`, parallel to `snn.tiling` and
    `snn.placement`: for each column task, its position in its core's
    instruction stream (`order`, from 0 per core over the whole program)
    and its estimated `start` and `finish` cycles (a static, dense upper
    bound: every streamed vector processed, held operands double-buffered
    when the pass says so). `dynamic` marks tasks whose work the MoE router
    decides at run time: an expert's tasks are skipped when no token is
    routed to it and stream only the routed tokens otherwise; the static
    times assume full capacity.

    ```mlir
    #snn.schedule<order = array<i64: 3, 3>, start = array<i64: 120, 120>,
                  finish = array<i64: 410, 398>, dynamic = false>
    ```
  }];
  let parameters = (ins
    "::mlir::DenseI64ArrayAttr":$order,
    "::mlir::DenseI64ArrayAttr":$start,
    "::mlir::DenseI64ArrayAttr":$finish,
    "bool":$dynamic
  );
  let assemblyFormat = "`<` struct(params) `>`";
}

def SNN_BufferAttr : AttrDef<SNN_Dialect, "Buffer"> {
  let mnemonic = "buffer";
  let summary = "a byte range in a memory bank or off-chip DRAM";
  let description = [{
    Written by `--snn-allocate`: `bytes` bytes at byte `offset` of SRAM bank
    `bank` (an index into the target's banks in tier-then-block order, as
    in `#snn.placement`), or of off-chip DRAM when `bank` is -1.

    ```mlir
    #snn.buffer<bank = 9, offset = 4096, bytes = 2048>
    ```
  }];
  let parameters = (ins "int64_t":$bank, "int64_t":$offset, "int64_t":$bytes);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // SPIKESTACK_DIALECT_SNN_IR_SNNATTRS_TD
