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

def SNNFoldLayout : Pass<"snn-fold-layout", "mlir::ModuleOp"> {
  let summary = "Move neurons and batch norms across layout ops and cancel "
                "the reshapes and transposes that meet";
  let description = [{
    ONNX exports wrap every layer in layout plumbing: a `Reshape` that
    splits time from batch before each neuron and merges them after, and
    `Transpose` pairs around each `BatchNorm1d` over tokens. The importer
    keeps them (`tensor.reshape`, `linalg.transpose`), so a synaptic op is
    rarely followed directly by its neuron. This pass rewrites, to a fixed
    point:

    * `neuron(reshape(x))` to `reshape(neuron(x))` when the reshape keeps
      dimension 0 (time), and `neuron(transpose(x, p))` to
      `transpose(neuron(x), p)` when `p[0] = 0`: a neuron without
      per-channel operands treats every element alike, so it commutes with
      any layout change that keeps time in place;
    * `batch_norm(transpose(x, p))` to `transpose(batch_norm(x), p)` with
      the channel dimension `p[channel_dim]`;
    * `transpose(transpose(x, p), q)` to `transpose(x, r)` with
      `r[i] = p[q[i]]`, or to `x` when `r` is the identity;
    * `reshape(reshape(x))` to `reshape(x)`, and a reshape to its source
      type to its source;
    * batch norm into the producing `snn.linear` / `snn.conv2d` (the
      dialect's canonicalization).

    Every rewrite is exact (the same values in the same places), except the
    batch-norm fold, which is exact in real arithmetic. Afterwards a
    synaptic op usually feeds its neuron directly, which is the form
    `--snn-quantize` and the tiler work on. Only single-use layout ops are
    moved, so nothing is computed twice. With `remarks=true` every neuron
    still behind a reshape or transpose gets a remark with the reason.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark on every neuron left behind a layout op">,
  ];
  let dependentDialects = ["spikestack::snn::SNNDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::linalg::LinalgDialect"];
}

def SNNPruneHeads : Pass<"snn-prune-heads", "mlir::ModuleOp"> {
  let summary = "Dynamic head pruning (D3): run only the heads whose "
                "queries spike most";
  let description = [{
    Sets `head_keep_ratio = keep-ratio` on every `snn.spiking_attention`
    of the module, replacing a ratio it had. At run time each attention
    then keeps, per batch element, the `ceil(p * num_heads)` heads with
    the most spikes in `Q` (summed over time steps, tokens and the head's
    channels; ties keep the lower head index) and outputs zero spikes for
    the others (the op's semantics; ICCAD 2025 "D3"). The executor skips
    the pruned heads' array tasks of SSA attention (both products) and of
    its K and V projections (cycles and energy) and reports the heads that
    ran per layer (docs/isa.md, "Head pruning").

    `keep-ratio` must be in (0, 1]; 1 keeps every head but still scores
    them. A module without spiking attention gets a warning and is left
    as it is.
  }];
  let options = [
    Option<"keepRatio", "keep-ratio", "double", /*default=*/"1.0",
           "Share of the heads each attention keeps, in (0, 1]">,
  ];
  let dependentDialects = ["spikestack::snn::SNNDialect"];
}

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
    change. Neurons that do not have this form (real-valued inputs such as
    the image stem or membrane shortcuts, neurons with `v_init` or
    per-channel operands already, thresholds that do not fit the membrane)
    stay in the float domain.

    Every remaining synaptic op with spike or count input and constant f32
    weights (including the per-expert weights that `snn.moe_experts` takes
    as parameters) is then quantized weight-only: the same per-channel
    integer weights, an exact `!snn.fixed<accumulator-bits, 0>` result, and
    an `snn.dequantize` epilogue that multiplies by the f32 scale and adds
    the f32 bias. Expert weights get one scale vector per expert, appended
    to the experts op's parameters. This covers the real-valued residual
    streams (the membrane shortcuts of Spike-driven Transformer) and the
    expert bodies; only synaptic ops with real-valued input (the image stem)
    keep f32 weights. `remarks=true` names each neuron and op left in the
    float domain with the reason, and `strict=true` makes any of them an
    error.

    The synaptic op must feed the neuron directly: run `--snn-fold-layout`
    first on imported IR, which moves neurons and batch norms across the
    exporter's reshapes and transposes.

    The reference interpreter runs the quantized IR; the executor must
    reproduce it bit for bit.

    Running the pass again with the same bits changes nothing. IR already
    quantized with other bits (weights, accumulators or membranes of
    another width) is an error on the first such op: its float weights are
    gone, so it cannot be requantized. Tensors of the snn ops must have
    every size at least 1 and at most 2^28 elements (SNNLimits.h).
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
    Statistic<"numWeightOnly", "weight-only-ops",
              "Synaptic ops with integer weights and an snn.dequantize "
              "epilogue">,
  ];
  let dependentDialects = ["spikestack::snn::SNNDialect",
                           "mlir::arith::ArithDialect"];
}

def SNNTile : Pass<"snn-tile", "mlir::ModuleOp"> {
  let summary = "Cut every compute op into array-sized tiles and "
                "(token x time-step) bundles";
  let description = [{
    Records on every compute op of a function an `snn.tiling` array of
    `#snn.tiling` (see there), one entry per matrix product, from the
    target's core shape (`rows x cols` array, scratchpad, LIF units):

    * `snn.linear`: `reduction = K`, `outputs = N`, vectors = all leading
      positions (time x batch x tokens); `snn.conv2d`: im2col, `reduction =
      C/groups x KH x KW`, `outputs = O/groups`, one group per convolution
      group, vectors = output positions;
    * `snn.spiking_attention` SSA: per head and batch, `Q K^T` as
      `and_accumulate` (`d x N` spikes of `K^T` held, `T x N` query rows
      streamed) and `A V` as `score_value` (`N x N` scores held, `T x d`
      value columns streamed); SDSA is `vector` work per head;
    * `snn.moe_experts`: every synaptic op of the body, per expert
      (`groups` = experts), streaming the expert's `capacity` slots;
    * other snn ops (neurons not fused with a synaptic op, adds, pooling,
      readout, MoE routing, dispatch, combine): `vector` work on the LIF
      units.

    A neuron or `snn.dequantize` whose input is the single-use result of an
    `snn.linear` or `snn.conv2d` is fused into it (runs on the same cores'
    LIF units) and gets no tiling of its own; layout ops (reshape, transpose, concat,
    constants) need none. Any shape is legal: the last block in each
    direction holds the remainder (`ceil` division), and a bundle holds all
    `T` steps of as many tokens as keep `cols x accumulator-bits` partial
    sums per vector in the scratchpad. A column task holds `reduction x
    cols` weights; when they would not fit the target's largest weight
    bank even alone, the op's tasks use only as many of the array's
    columns as fit (a 3x3 convolution over 512 channels: 28 of 32 columns
    on 128 KiB banks), so that its weights can still be streamed.

    Dataflow and row tiles: each synaptic product takes, among the
    dataflows every core supports (the target's `dataflows`), the
    weight-stationary tiling above or the output-stationary one (a fold of
    the largest multiple of the time steps `T` that is <= rows, rows when
    `T` > rows, capped at the vectors), and `row_tiles` r (tasks = column
    tasks x r, r <= min(bundles or folds, cores)) by the estimated layer
    time ceil(tasks / cores) x the closed-form cost of task 0 (the weight
    banks' widest port); ties: fewer tasks, then output-stationary. Row
    tiles replicate the layer's weights ((r - 1) x its bytes), so they come
    in a second phase: when the unsplit model's weights fit 85 % of the
    weight-capable banks' bytes, from that spare capacity, greedily to the
    split saving the most cycles per extra byte until 85 % is reached; when
    they exceed it (the model will stream weights from DRAM), every layer
    is priced as streamed: each of its r row tiles fetches its columns'
    weights (bytes x 8 / the DRAM's bits per cycle) while the layer
    computes, the layer takes the longer of its rounds and those fetches,
    and a split is granted when it shortens that by more than the DRAM
    time of its extra copies (the DRAM is shared by every layer and by
    spills), greedily by the net saving. Both within the plan limits below. Attention products stay
    weight-stationary and are row-split (by the same estimate, the
    activation banks' port) when groups x n-tiles < cores: their held
    operand comes from the scratchpad, no weights are replicated.
    `dataflow=weight_stationary|output_stationary` restricts the synaptic
    products to one dataflow (an error if the cores lack it);
    `row-tiles=false` splits nothing.

    `target` names a preset or a target file; it is recorded as the
    module's `snn.target` for the later passes (default: the module's
    `snn.target`, else `3d-mol`). Fails on a target whose cores differ,
    dynamic shapes, and ops with no mapping onto the cores.

    It also fails, on the op at fault and with the numbers, on what a
    program cannot hold or the later passes could not plan in bounded time
    (include/spikestack/Dialect/SNN/IR/SNNLimits.h, docs/robustness.md): a
    tensor with a size of 0, more than 16 dimensions or more than 2^28
    elements; a tiling with more than 2^20 column tasks, 2^24 passes per
    task or 2^28 streamed vectors; a plan of more than 2^16 layers, 2^20
    column tasks, 2^30 passes or 2^30 task inputs in all. The later passes
    check the same on their (possibly hand-written) input.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Target preset or file (default: the module's snn.target, else "
           "3d-mol)">,
    Option<"dataflow", "dataflow", "std::string", /*default=*/"\"auto\"",
           "Dataflow of the synaptic products: auto (the faster estimate "
           "among the cores' dataflows), weight_stationary or "
           "output_stationary">,
    Option<"rowTiles", "row-tiles", "bool", /*default=*/"true",
           "Split products along their streamed vectors (false: one task "
           "per column task, no replicated weights)">,
  ];
  let dependentDialects = ["spikestack::snn::SNNDialect"];
}

def SNNPlace : Pass<"snn-place", "mlir::ModuleOp"> {
  let summary = "Logical -> placed: put every tile on a core and every "
                "buffer in a memory bank";
  let description = [{
    Rewrites the logical (tiled) IR into placed IR: every op with an
    `snn.tiling` gets an `snn.placement` array (one `#snn.placement` per
    tiling entry) naming, for each column task, the core that runs it and
    the bank holding its weight columns, plus the bank that receives the
    op's result. Indices refer to the module's `snn.target` (cores and SRAM
    banks in tier-then-block order, as `snn-target` lists them).

    Cost-driven and greedy, in program order:

    * **cores**: each task goes to the core on which it would finish
      first under a running list estimate with `--snn-schedule`'s rule: a
      task starts when its core is free, the op's earlier product has
      finished and its producers' results have arrived (+1 cycle, plus the
      bond latency between the tiers, from a producer on another core or
      on several), and costs `overlappedTaskCycles` (double-buffered, the
      scheduler's default) through the port of the weight bank it would
      read; a streamed task also waits for its fetch. So attention heads,
      experts and column blocks spread across cores and, in a
      logic-on-logic stack, across tiers, and a core that is idle early
      but would only wait there for a producer does not attract the tasks
      of a later layer that could run side by side. Ties go to the
      cheapest path (pJ per bit: horizontal wire plus bond crossings, from
      the target's physical model) to the task's weight bank, then to a
      hash of `seed`;
    * **weights**: first the residency plan (docs/pipeline.md, "Weight
      streaming"): when the weights do not all fit the weight banks, a 0/1
      knapsack keeps the layers resident that save the most DRAM traffic
      and marks the others `snn.streamed`, beside one or two streaming
      slots per core. A resident task's columns go to the weight-capable
      bank with room under the least port pressure after the task: (bits
      already assigned to the bank + the task's held bits + the bits the
      same tiling's tasks on other cores put there, since they run at the
      same time) / (ports x width); ties go to the cheapest path, then the
      emptiest bank, then the first. If that leaves a resident task
      without a bank with room, the placement is redone with
      nearest-first banks (the nearest with room, then the emptiest)
      before a layer is demoted to streamed. A streamed task reads its
      core's slot bank;
    * **results**: the activation bank with the least port pressure after
      the result (its bits written once plus read once by every task of
      its readers' first tilings, as `--snn-lower-to-hw` loads them); ties
      go to the cheapest mean path from the op's cores.

    A neuron fused into its synaptic op runs on that op's cores and keeps
    its membrane in their LIF units (never in a bank). Users pin with
    string attributes naming a block or a tier: `snn.pin` (cores),
    `snn.pin_weights` and `snn.pin_output` (banks). `seed` only breaks
    exact ties, deterministically: the same input and seed give the same
    placement. Later passes reject ops without `snn.placement`.

    Errors: an op without `snn.tiling`, a pin naming no block or tier, and
    a column task whose weights fit no weight bank even alone (so that not
    even streaming places it), with the op's ONNX node and the numbers
    (`weight columns 0 of this op (ONNX node '/x/Conv') need 300 B in one
    bank ..., more than the largest weight bank holds (256 B)`).
  }];
  let options = [
    Option<"seed", "seed", "int64_t", /*default=*/"0",
           "Seed of the deterministic tie-break (a non-negative integer)">,
  ];
  let dependentDialects = ["spikestack::snn::SNNDialect"];
}

def SNNSchedule : Pass<"snn-schedule", "mlir::ModuleOp"> {
  let summary = "Order the tasks of every core, overlap weight loads with "
                "compute, and synchronise cores and tiers";
  let description = [{
    Turns the placed IR into a static schedule: list scheduling in program
    order (a topological order of the dataflow), each column task on the
    core `--snn-place` chose.

    * **per-core order**: each task gets its position in its core's stream
      (`#snn.schedule` `order`) and estimated `start` / `finish` cycles;
      the tilings of one op (Q K^T, then A V) run one after the other;
    * **double buffering** (`double-buffer=true`, the default): a pass's
      held operand (weights, `K^T`, scores) is loaded into the array's
      shadow registers while the previous pass computes, so a task costs
      its first load plus `max(load, compute)` per later pass instead of
      the sum; the load is a DMA from the task's weight bank overlapped
      with compute;
    * **synchronisation**: an op whose tasks consume a result produced on
      other cores waits on that producer's barrier (`snn.wait`); the
      producer signals it (`snn.barrier`) when its last task finishes.
      The waiting task starts one cycle after the barrier completes, plus
      the vertical link latency when producer and consumer cores sit on
      different tiers. Results on the same core are ordered by the stream;
    * **dynamic MoE dispatch**: the tasks of `snn.moe_experts` are marked
      `dynamic`: the router's decision is known only at run time, so the
      executor skips an expert with no routed token and streams only the
      routed ones; the static times assume every slot is filled;
    * **weight fetches**: a `snn.streamed` task starts no earlier than its
      weights arrive from DRAM: the core's k-th streamed task's fetch is
      issued when its (k-1)-th starts computing (two slots) or when its
      core moves on (one slot), over the DRAM channels' calendars shared
      with the input loads and spill stores;
    * **loads and stores**: the first task of each row tile on a core
      first loads its share of every producer's result and graph input,
      one after the other (a bank's port width plus the SRAM access and
      path latency, or the DRAM channel plus the DRAM latency); each task
      stores its result share on the core's DMA queue; the core waits for
      the queue to drain before a barrier's signal, and an op is complete,
      for its consumers and the makespan, when its stores have drained.
      DRAM transfers share the channels through bandwidth calendars
      (hw::BandwidthCalendar, as in the executor).

    The module gets `snn.makespan`, the estimated cycles of one inference.
    Errors: an op without `snn.placement` ("run --snn-place first") and a
    placement naming a core the target does not have.
  }];
  let options = [
    Option<"doubleBuffer", "double-buffer", "bool", /*default=*/"true",
           "Overlap each pass's held-operand load with the previous pass">,
  ];
  let dependentDialects = ["spikestack::snn::SNNDialect"];
}

def SNNAllocate : Pass<"snn-allocate", "mlir::ModuleOp"> {
  let summary = "Assign every weight and result buffer a bank and an offset, "
                "reusing activation memory by liveness";
  let description = [{
    Runs on scheduled IR and writes, per op:

    * `snn.weight_offsets`: one byte offset per column task, in the weight
      bank `--snn-place` chose (parallel to `#snn.placement`
      `weight_banks`). Each core's streaming slots are reserved first;
      resident weights stay for the whole inference, so each bank is then
      filled in program order, every buffer aligned to the bank's port
      width; a streamed task's offset is its core's slot `k mod slots`, `k`
      counting the core's streamed tasks in schedule order;
    * `snn.output_buffer = #snn.buffer<bank, offset, bytes>`: where the
      op's stored result lives (the output of its fused neuron or
      dequantize epilogue when it has one; spikes take 1 bit, counts the
      bits of their range). A result is live from the start of its
      producer's first task to the finish of its last consumer's last task
      (`#snn.schedule`), or to the end of the inference for a function
      result. A new result may take a dead buffer's bytes (first fit by
      offset) only when its lifetime does not overlap and its producer is
      ordered after every reader of the old buffer in every run: it
      depends on them (through the barriers), or both run on one core,
      the reader first in program order; the estimated times alone do not
      order a real run (`allocate-ordering.mlir`). The placed bank is
      tried first, then the other activation banks, cheapest path first.

    A result that fits no activation bank at that time is spilled to
    off-chip DRAM (`bank = -1`) when `spill=true` (the default; a remark
    with `remarks=true`), and is an error with the numbers otherwise
    ("needs 128.0 KiB; the activation banks hold 256.0 KiB, 200.0 KiB of it
    live at that time, at most 56.0 KiB in one bank"). Weights that do not
    fit their bank are an error with the numbers. Graph inputs are read
    from DRAM.
  }];
  let options = [
    Option<"spill", "spill", "bool", /*default=*/"true",
           "Spill results that fit no activation bank to off-chip DRAM">,
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark on every result spilled to DRAM">,
  ];
  let dependentDialects = ["spikestack::snn::SNNDialect"];
}

def SNNLowerToHW : Pass<"snn-lower-to-hw", "mlir::ModuleOp"> {
  let summary = "Emit the per-core instruction streams (snnhw) of scheduled, "
                "allocated snn IR";
  let description = [{
    Appends an `snnhw.program` to the module with one `snnhw.stream` per
    core of the target, each listing that core's column tasks in their
    `#snn.schedule` order as instructions:

    1. `snnhw.wait` on every barrier the layer waits for (`snn.wait`), at
       the layer's first task on the core, and on the layer's own barrier
       between its products (Q K^T before A V);
    2. `snnhw.load input` of each producer's result buffer (DRAM for graph
       inputs, placed at `input_offsets` after the spilled results), and
       `snnhw.load weights` of the task's weight columns
       (`snn.weight_offsets`); for a streamed layer, `snnhw.fetch` of the
       core's next streamed task's weights goes right before this task's
       compute instruction (two slots) or after the task (one slot), and
       the core's first fetch at the start of its stream;
    3. the compute instruction: `snnhw.spike_acc` (synaptic, `dynamic` for
       MoE experts), `snnhw.and_acc` then `snnhw.score_value` (SSA
       attention), `snnhw.vector` with its function, `snnhw.route`,
       `snnhw.dispatch`, `snnhw.combine`;
    4. the fused epilogue: `snnhw.lif` (neuron, and the attention neuron) or
       `snnhw.vector dequantize`;
    5. `snnhw.store` of the task's share of the result buffer, and
       `snnhw.signal` of the layer's barrier when a later layer waits on it.

    Every stream ends with `snnhw.halt`. `layer` operands index the planned
    `snn` ops in program order; the `snn` function stays as the layer table.
    Errors: ops that are not allocated ("run --snn-allocate first") and ops
    with no hardware instruction.
  }];
  let dependentDialects = ["spikestack::snn::SNNDialect",
                           "spikestack::snnhw::SNNHWDialect"];
}

def SNNPlanReport : Pass<"snn-plan-report", "mlir::ModuleOp"> {
  let summary = "Write the static plan report (JSON) of scheduled, "
                "allocated IR";
  let description = [{
    Writes `file` (atomically: a temporary file renamed into place) with
    the plan's static estimates, for `--snn-to-hw="plan-report=FILE"`:

    * `target`, `clock_mhz`, `makespan_cycles` (`snn.makespan`) and
      `latency_us` at the target's effective clock;
    * `tiers`: per tier its kind, the cores used with their busy cycles
      (sum of their tasks' `#snn.schedule` durations), and per SRAM bank
      its capacity, resident weight bytes and activation high-water mark
      (the end of the highest `#snn.buffer` in it);
    * `traffic`: `vertical_bits` and `horizontal_bit_mm` of the planned
      transfers (each task's held-operand loads, its input loads and its
      result store) along the target's physical paths, and `dram_bits`
      for results spilled to DRAM, graph inputs and streamed weights;
    * `dram`: DRAM bits by purpose (`weights`, `inputs`, `spills`,
      `total`) and per layer, counted as the executor counts them;
    * `residency`: per layer with weights, resident or streamed and its
      bytes, the slots (`slot_bytes`, `slots_per_core`, `slot_banks`) and
      the resident and streamed totals;
    * `bounds`: the compute, SRAM-port, bond and DRAM bounds per layer and
      in total, the estimate and its efficiency (docs/isa.md, "Bounds").

    It leaves the IR unchanged. Errors: ops without a schedule or
    allocation, and a file that cannot be written.
  }];
  let options = [
    Option<"file", "file", "std::string", /*default=*/"\"\"",
           "Where to write the JSON report">,
  ];
}

#endif // SPIKESTACK_DIALECT_SNN_TRANSFORMS_PASSES_TD
