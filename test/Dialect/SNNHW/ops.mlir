// RUN: snn-opt %s | snn-opt | FileCheck %s
// Every instruction round-trips through its textual form.
// CHECK-LABEL: snnhw.program attributes {barriers = 2 : i64, input_offsets = array<i64: 0, 64>, makespan = 120 : i64, target = "3d-mol"}
// CHECK: snnhw.stream core 0 {
// CHECK-NEXT: snnhw.wait 1 count 2
// CHECK-NEXT: snnhw.load input layer 0 task 0 bank -1 offset 0 bytes 8
// CHECK-NEXT: snnhw.fetch layer 0 task 0 bank 3 offset 64 bytes 40
// CHECK-NEXT: snnhw.load weights layer 0 task 0 bank 3 offset 64 bytes 40
// CHECK-NEXT: snnhw.spike_acc layer 0 tiling 0 task 0 k_tiles 3 columns 4 vectors 6 bundle 4 dynamic
// CHECK-NEXT: snnhw.and_acc layer 1 tiling 0 task 0 k_tiles 1 columns 4 vectors 8 bundle 8
// CHECK-NEXT: snnhw.score_value layer 1 tiling 1 task 0 k_tiles 1 columns 4 vectors 8 bundle 8
// CHECK-NEXT: snnhw.lif layer 0 task 0 elements 24
// CHECK-NEXT: snnhw.vector dequantize layer 2 task 0 elements 16
// CHECK-NEXT: snnhw.route layer 3 task 0 tokens 64
// CHECK-NEXT: snnhw.dispatch layer 4 task 0 elements 128
// CHECK-NEXT: snnhw.combine layer 5 task 0 elements 128
// CHECK-NEXT: snnhw.store layer 5 task 0 bank 9 offset 0 bytes 16
// CHECK-NEXT: snnhw.signal 0
// CHECK-NEXT: snnhw.halt
// CHECK: snnhw.stream core 1 {
// CHECK-NEXT: snnhw.halt
snnhw.program attributes {barriers = 2 : i64, input_offsets = array<i64: 0, 64>, makespan = 120 : i64, target = "3d-mol"} {
  snnhw.stream core 0 {
    snnhw.wait 1 count 2
    snnhw.load input layer 0 task 0 bank -1 offset 0 bytes 8
    snnhw.fetch layer 0 task 0 bank 3 offset 64 bytes 40
    snnhw.load weights layer 0 task 0 bank 3 offset 64 bytes 40
    snnhw.spike_acc layer 0 tiling 0 task 0 k_tiles 3 columns 4 vectors 6 bundle 4 dynamic
    snnhw.and_acc layer 1 tiling 0 task 0 k_tiles 1 columns 4 vectors 8 bundle 8
    snnhw.score_value layer 1 tiling 1 task 0 k_tiles 1 columns 4 vectors 8 bundle 8
    snnhw.lif layer 0 task 0 elements 24
    snnhw.vector dequantize layer 2 task 0 elements 16
    snnhw.route layer 3 task 0 tokens 64
    snnhw.dispatch layer 4 task 0 elements 128
    snnhw.combine layer 5 task 0 elements 128
    snnhw.store layer 5 task 0 bank 9 offset 0 bytes 16
    snnhw.signal 0
    snnhw.halt
  }
  snnhw.stream core 1 {
    snnhw.halt
  }
}
