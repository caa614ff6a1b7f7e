// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json row-tiles=false" --snn-place --snn-schedule -split-input-file | FileCheck %s
// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json row-tiles=false" --snn-place --snn-schedule="double-buffer=false" -split-input-file | FileCheck %s --check-prefix=SERIAL
//
// Inputs/two-core.json: cores c0, c1 (4x4 arrays, 64 B scratchpads), 32-bit
// weight-bank ports, a 32-bit activation bank a0, banks one bond (1 cycle)
// above the cores; the default DRAM: one channel of 12.8 GB/s at 500 MHz =
// 204.8 bits per cycle, 100 ns = 50 cycles of latency.
//
// Besides its array work a task costs its blocking input loads (the first
// task of each row tile on a core) and the store of its result share: one
// cycle to issue it, and when a barrier's signal follows (the op's result
// is read on another core) the core waits for it to drain; the op, and
// the makespan, end when the stores have drained. A load from DRAM takes
// ceil(bits / 204.8) + 50 cycles, from a0 ceil(bits / 32) + 1 (SRAM
// access) + 1 (bond); a store to a0 the same as a load.
//
// The linear of place.mlir: K = 10 on 4 rows (k blocks of 4, 4, 2 rows),
// 6 outputs (column tasks of 4 and 2 columns), 6 vectors in bundles of 4
// and 2 (64 B hold 2 tokens x 2 steps x 4 columns x 32 bits). A pass
// computes rows + cols - 2 = 6 fill/drain cycles plus its bundle's vectors:
// 10 cycles in bundle 0, 8 in bundle 1 (3 passes each).
// Task 0 (4 columns) loads 4x4x8 / 32 = 4, 4 and 2 cycles per bundle.
//   Double-buffered: the first load (4), then max(load, previous pass's
//   compute) for each later pass and the last pass's compute:
//   4 + 10 + 10 + 10 + 8 + 8 + 8 = 58.
//   Serial: 2 x (4 + 4 + 2 + 3 x 6) + 3 x 6 = 74 (place.mlir's count).
// Task 1 (2 columns) loads 2, 2 and 1 cycles per bundle:
//   double-buffered 2 + 54 = 56; serial 2 x (5 + 18) + 18 = 64.
// The placer (double-buffered list estimate): task 0 finishes at 58 on
// either idle core, a tie that goes to c0, nearer to the weight banks;
// task 1 then finishes at 56 on c1 (< 58 + 56 on c0). Both tasks start at
// 0 on their own cores (c0, c1).
// Each task first loads the whole graph input (one row tile): 60 spike
// bits = 8 B = 64 bits from DRAM, ceil(64 / 204.8) = 1 + 50 = 51 cycles
// (both loads fit the channel's first cycle: 128 bits <= 204.8). The
// result, 36 spike bits = 5 B in a0, is stored in shares of columns x
// vectors: task 0 bytes [0, floor(5 x 24 / 36) = 3), task 1 [3, 5), 24
// and 16 bits: 1 + 1 + 1 = 3 cycles each. No signal follows: the tasks
// finish one cycle after their compute, 51 + 58 + 1 = 110 and 51 + 56 + 1
// = 108 (serial 51 + 74 + 1 = 126, 51 + 64 + 1 = 116), and the makespan is
// task 0's store, 51 + 58 + 3 = 112 (serial 51 + 74 + 3 = 128).
// CHECK-LABEL: module attributes {snn.makespan = 112 : i64
// CHECK: snn.schedule = [#snn.schedule<order = [0, 0], start = [0, 0], finish = [110, 108], dynamic = false>]
// SERIAL-LABEL: module attributes {snn.makespan = 128 : i64
// SERIAL: snn.schedule = [#snn.schedule<order = [0, 0], start = [0, 0], finish = [126, 116], dynamic = false>]
func.func @linear(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.spike> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  return %s : tensor<2x3x6x!snn.spike>
}

// -----

// A second layer reads the first one's spikes, produced on both cores: it
// waits on the first layer's barrier. Its single task (4 outputs, K = 6:
// k blocks of 4 and 2 rows, loads 4 and 2 cycles) takes 4 + 10 + 10 + 8 +
// 8 = 40 cycles double-buffered. The placer's list estimate (double-
// buffered) starts it on either core at max(core free, 58 + 1, 56 + 1) =
// 59 (the producer ran on several cores: +1 cycle, same tier, no bond
// latency), so it finishes at 99 on c0 and on c1: a tie, which goes to the
// cheaper path to its weight bank. Both cores would pick w1 (the lighter
// port: layer 0 put 2 columns there, 4 in w0); c0 sits nearer to the weight
// banks (Manhattan, about 0.037 vs 0.075 mm of wire at 0.1 pJ/bit/mm:
// 0.0038 pJ/bit cheaper, more than the seeded hash's < 1e-3), so the task
// goes to c0. The scheduler (with the first layer's loads and stores as
// above; its signal waits for the stores: finishes 112 and 110) starts it
// one cycle after the barrier completes (112 + 1 = 113); it loads the
// first layer's 5 B from a0 (ceil(40 / 32) + 1 + 1 = 4), computes 40
// cycles and stores its 24 spike bits = 3 B (1 + 1 + 1 = 3): finish
// 113 + 4 + 40 + 1 = 158, makespan 113 + 4 + 40 + 3 = 160. Serial (the
// same placement: the placer always estimates double-buffered):
// 2 x (4 + 2 + 2 x 6) + 2 x 6 = 48 cycles from 128 + 1 = 129: finish
// 129 + 4 + 48 + 1 = 182, makespan 129 + 4 + 48 + 3 = 184.
// CHECK-LABEL: module attributes {snn.makespan = 160 : i64
// CHECK: snn.linear {{.*}}snn.barrier = 0 : i64{{.*}}snn.schedule = [#snn.schedule<order = [0, 0], start = [0, 0], finish = [112, 110], dynamic = false>]
// CHECK: snn.linear {{.*}}snn.placement = [#snn.placement<cores = [0]{{.*}}snn.schedule = [#snn.schedule<order = [1], start = [113], finish = [158], dynamic = false>], {{.*}}snn.wait = array<i64: 0>
// SERIAL-LABEL: module attributes {snn.makespan = 184 : i64
// SERIAL: snn.schedule = [#snn.schedule<order = [1], start = [129], finish = [182], dynamic = false>]
func.func @two_layers(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x4x!snn.spike> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  %w2 = snn.constant dense<1> : tensor<4x6xi8> -> tensor<4x6x!snn.fixed<8, 0>>
  %y2 = snn.linear %s, %w2 : (tensor<2x3x6x!snn.spike>, tensor<4x6x!snn.fixed<8, 0>>) -> tensor<2x3x4x!snn.fixed<32, 0>>
  %s2 = snn.if %y2 {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x4x!snn.fixed<32, 0>> -> tensor<2x3x4x!snn.spike>
  return %s2 : tensor<2x3x4x!snn.spike>
}

// -----

// Expert tasks are dynamic: the router decides at run time which run.
// CHECK-LABEL: func.func @experts
// CHECK: snn.moe_experts {{.*}}snn.schedule = [#snn.schedule<order = [{{.*}}], start = [{{.*}}], finish = [{{.*}}], dynamic = true>]
func.func @experts(%d: tensor<2x1x1x1x2x!snn.spike>) -> tensor<2x1x1x1x2x!snn.spike> {
  %w = snn.constant dense<1> : tensor<2x2x2xi8> -> tensor<2x2x2x!snn.fixed<8, 0>>
  %e = snn.moe_experts %d params(%w : tensor<2x2x2x!snn.fixed<8, 0>>)
      : tensor<2x1x1x1x2x!snn.spike> -> tensor<2x1x1x1x2x!snn.spike> {
  ^bb0(%tok: tensor<1x1x1x2x!snn.spike>, %we: tensor<2x2x!snn.fixed<8, 0>>):
    %h = snn.linear %tok, %we : (tensor<1x1x1x2x!snn.spike>, tensor<2x2x!snn.fixed<8, 0>>)
        -> tensor<1x1x1x2x!snn.fixed<32, 0>>
    %s = snn.if %h {v_threshold = 1.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<1x1x1x2x!snn.fixed<32, 0>> -> tensor<1x1x1x2x!snn.spike>
    snn.yield %s : tensor<1x1x1x2x!snn.spike>
  }
  return %e : tensor<2x1x1x1x2x!snn.spike>
}
