//===- SNNHW.td - the hardware-level dialect ----------------*- tablegen -*-===//
//
// `snnhw`: one op per instruction of the accelerator's instruction set.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_DIALECT_SNNHW_IR_SNNHW_TD
#define SPIKESTACK_DIALECT_SNNHW_IR_SNNHW_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/AttrTypeBase.td"

def SNNHW_Dialect : Dialect {
  let name = "snnhw";
  let cppNamespace = "::spikestack::snnhw";
  let summary = "Per-core instruction streams of the spiking accelerator";
  let description = [{
    The lowest level of the SpikeStack pipeline, produced by
    `--snn-lower-to-hw` from scheduled and allocated `snn` IR. An
    `snnhw.program` holds one `snnhw.stream` per core, in the order the core
    executes it; every op inside a stream is one instruction of the
    backend's instruction set (`docs/isa.md`), with the same operands.

    Compute instructions name the *layer* they work for (the index of the
    planned `snn` op in program order; the `snn` function stays in the
    module as the layer table that gives each layer's semantics, weights and
    numerics) and the column *task* of that layer's tiling (`#snn.tiling`).
    Memory instructions name an SRAM bank (index in the target's
    tier-then-block order, -1 for off-chip DRAM), a byte offset and a byte
    count, as `--snn-allocate` assigned them. Cores and tiers synchronise
    through counting barriers: `snnhw.signal` increments one, `snnhw.wait`
    blocks until it reaches a count.
  }];
}

class SNNHW_Op<string mnemonic, list<Trait> traits = []>
    : Op<SNNHW_Dialect, mnemonic, traits>;

// The sub-operation enums have the enumerators and strings of
// SPIKESTACK_ISA_LOAD_KIND / SPIKESTACK_ISA_VECTOR_FN in
// include/spikestack/Runtime/ISA.def; the exporter maps them by name.
def SNNHW_VectorFn : I32EnumAttr<"VectorFn",
    "the function of an snnhw.vector instruction", [
  I32EnumAttrCase<"Add", 0, "add">,
  I32EnumAttrCase<"MaxPool", 1, "max_pool">,
  I32EnumAttrCase<"AvgPool", 2, "avg_pool">,
  I32EnumAttrCase<"Readout", 3, "readout">,
  I32EnumAttrCase<"Neuron", 4, "neuron">,
  I32EnumAttrCase<"Dequantize", 5, "dequantize">,
  I32EnumAttrCase<"Sdsa", 6, "sdsa">,
  I32EnumAttrCase<"Scale", 7, "scale">,
  I32EnumAttrCase<"Convert", 8, "convert">,
  I32EnumAttrCase<"BatchNorm", 9, "batch_norm">
]> {
  let cppNamespace = "::spikestack::snnhw";
}

def SNNHW_LoadKind : I32EnumAttr<"LoadKind", "what an snnhw.load fetches", [
  I32EnumAttrCase<"Weights", 0, "weights">,
  I32EnumAttrCase<"Input", 1, "input">
]> {
  let cppNamespace = "::spikestack::snnhw";
}

def SNNHW_ProgramOp : SNNHW_Op<"program", [NoTerminator, NoRegionArguments,
    SingleBlock]> {
  let summary = "a compiled program: one stream per core";
  let description = [{
    `target` is the target the program was compiled for (a preset name or a
    file), `makespan` the schedule's estimated cycles of one inference,
    `barriers` the number of counting barriers the streams use, and
    `input_offsets` the DRAM byte offset where each graph input (function
    argument of the layer table) is placed before the run.
  }];
  let arguments = (ins StrAttr:$target, I64Attr:$makespan, I64Attr:$barriers,
    DenseI64ArrayAttr:$input_offsets);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
}

def SNNHW_StreamOp : SNNHW_Op<"stream", [NoTerminator, NoRegionArguments,
    SingleBlock, HasParent<"ProgramOp">]> {
  let summary = "the instruction stream of one core, in execution order";
  let arguments = (ins I64Attr:$core);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "`core` $core attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
}

// An instruction op: its mnemonic is an instruction's in
// include/spikestack/Runtime/ISA.def and its integer attributes are that
// instruction's fields by name (the exporter reads them so;
// test/Dialect/SNNHW/isa-ops.test checks both directions).
class SNNHW_Instr<string mnemonic, list<Trait> traits = []>
    : SNNHW_Op<mnemonic, !listconcat(traits, [HasParent<"StreamOp">])>;

def SNNHW_LoadOp : SNNHW_Instr<"load"> {
  let summary = "DMA from a memory bank (or DRAM) into the core";
  let description = [{
    Weights go into the array's (shadow) weight registers, inputs into the
    scratchpad; the transfer crosses the bonds and wires between the bank
    and the core (the executor charges them from the target's physical
    model).
  }];
  let arguments = (ins SNNHW_LoadKind:$kind, I64Attr:$layer, I64Attr:$task,
    I64Attr:$bank, I64Attr:$offset, I64Attr:$bytes);
  let assemblyFormat = [{
    $kind `layer` $layer `task` $task `bank` $bank `offset` $offset `bytes`
    $bytes attr-dict
  }];
  let hasVerifier = 1;
}

def SNNHW_StoreOp : SNNHW_Instr<"store"> {
  let summary = "DMA of a task's results from the core to a bank (or DRAM)";
  let arguments = (ins I64Attr:$layer, I64Attr:$task, I64Attr:$bank,
    I64Attr:$offset, I64Attr:$bytes);
  let assemblyFormat = [{
    `layer` $layer `task` $task `bank` $bank `offset` $offset `bytes` $bytes
    attr-dict
  }];
  let hasVerifier = 1;
}

class SNNHW_ArrayOp<string mnemonic, string what> : SNNHW_Instr<mnemonic> {
  let summary = what;
  let arguments = (ins I64Attr:$layer, I64Attr:$tiling, I64Attr:$task,
    I64Attr:$k_tiles, I64Attr:$columns, I64Attr:$vectors, I64Attr:$bundle,
    UnitAttr:$dynamic);
  let assemblyFormat = [{
    `layer` $layer `tiling` $tiling `task` $task `k_tiles` $k_tiles
    `columns` $columns `vectors` $vectors `bundle` $bundle (`dynamic` $dynamic^)?
    attr-dict
  }];
  let hasVerifier = 1;
}

def SNNHW_SpikeAccOp : SNNHW_ArrayOp<"spike_acc",
    "weight-stationary spike accumulate on the PE array"> {
  let description = [{
    One column task of a synaptic layer: `k_tiles` weight blocks held in
    turn, each streaming `vectors` spike (or count) vectors in bundles of
    `bundle`; a PE adds its weight when its spike is 1 (event-driven: the
    executor skips all-zero vectors). `dynamic`: an expert task the router
    may leave empty at run time.
  }];
}
def SNNHW_AndAccOp : SNNHW_ArrayOp<"and_acc",
    "attention Q K^T: AND of spike operands, accumulated"> {
  let description = [{
    `K^T` of one head held in the array (1-bit), query rows streamed: each
    PE accumulates `q AND k`.
  }];
}
def SNNHW_ScoreValueOp : SNNHW_ArrayOp<"score_value",
    "attention A V with the multi-bit scores held in the array"> {
  let description = [{
    The score block `A` of one head held in the array, the value columns
    streamed as spikes.
  }];
}

def SNNHW_LifOp : SNNHW_Instr<"lif"> {
  let summary = "fused LIF/IF update and spike generation on the LIF units";
  let description = [{
    Integrates the array's partial sums of task `task` into the membranes
    kept beside the array, leaks, compares with the threshold and resets,
    per the layer's neuron attributes; `elements` neurons per time step.
  }];
  let arguments = (ins I64Attr:$layer, I64Attr:$task, I64Attr:$elements);
  let assemblyFormat = "`layer` $layer `task` $task `elements` $elements attr-dict";
}

def SNNHW_VectorOp : SNNHW_Instr<"vector"> {
  let summary = "element-wise or reduction work on the LIF units";
  let description = [{
    `fn` on `elements` values of layer `layer`: residual adds, pooling,
    readout, stand-alone neurons, the dequantize epilogue, spike-driven
    attention, conversions.
  }];
  let arguments = (ins SNNHW_VectorFn:$fn, I64Attr:$layer, I64Attr:$task,
    I64Attr:$elements);
  let assemblyFormat = "$fn `layer` $layer `task` $task `elements` $elements attr-dict";
}

def SNNHW_RouteOp : SNNHW_Instr<"route"> {
  let summary = "MoE router: gate scores, top-k and capacity slots";
  let arguments = (ins I64Attr:$layer, I64Attr:$task, I64Attr:$tokens);
  let assemblyFormat = "`layer` $layer `task` $task `tokens` $tokens attr-dict";
}

def SNNHW_DispatchOp : SNNHW_Instr<"dispatch"> {
  let summary = "MoE dispatch: gather routed tokens into expert slots";
  let arguments = (ins I64Attr:$layer, I64Attr:$task, I64Attr:$elements);
  let assemblyFormat = "`layer` $layer `task` $task `elements` $elements attr-dict";
}

def SNNHW_CombineOp : SNNHW_Instr<"combine"> {
  let summary = "MoE combine: gate-weighted, aligned merge of expert outputs";
  let arguments = (ins I64Attr:$layer, I64Attr:$task, I64Attr:$elements);
  let assemblyFormat = "`layer` $layer `task` $task `elements` $elements attr-dict";
}

def SNNHW_SignalOp : SNNHW_Instr<"signal"> {
  let summary = "increment a counting barrier";
  let arguments = (ins I64Attr:$barrier);
  let assemblyFormat = "$barrier attr-dict";
  let hasVerifier = 1;
}

def SNNHW_WaitOp : SNNHW_Instr<"wait"> {
  let summary = "block until a counting barrier reaches a count";
  let arguments = (ins I64Attr:$barrier, I64Attr:$count);
  let assemblyFormat = "$barrier `count` $count attr-dict";
  let hasVerifier = 1;
}

def SNNHW_FetchOp : SNNHW_Instr<"fetch"> {
  let summary = "prefetch of a task's weights from DRAM into a weight bank";
  let description = [{
    Copies the `bytes` bytes of task `task`'s weights of layer `layer` from
    off-chip DRAM into weight bank `bank` at `offset` (a streamed layer's
    slot). Asynchronous: queued on the core's fetch queue, a FIFO of its
    own (a store never waits behind a fetch); the task's `snnhw.load
    weights`, which names the same bank, offset and bytes later in the
    stream, waits until the fetch has completed.
  }];
  let arguments = (ins I64Attr:$layer, I64Attr:$task, I64Attr:$bank,
    I64Attr:$offset, I64Attr:$bytes);
  let assemblyFormat = [{
    `layer` $layer `task` $task `bank` $bank `offset` $offset `bytes` $bytes
    attr-dict
  }];
  let hasVerifier = 1;
}

def SNNHW_HaltOp : SNNHW_Instr<"halt"> {
  let summary = "end of the core's stream";
  let assemblyFormat = "attr-dict";
}

#endif // SPIKESTACK_DIALECT_SNNHW_IR_SNNHW_TD
