// Router, dispatch, an expert region and combine, hand-worked.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[[[1,0],[0,1],[1,0]]]], np.uint8))"
// RUN: %python -c "import numpy as np; np.save('%t/w.npy', np.array([[[2,0],[0,2]],[[0,3],[3,0]]], np.float32))"
// RUN: snn-run --interpret %s --input x=%t/x.npy --input expert_w=%t/w.npy --output-dir %t
// RUN: %python -m spikestack.npyprint %t/index.npy %t/gate.npy %t/slot.npy %t/y.npy | FileCheck %s

// Tokens n0 = [1,0], n1 = [0,1], n2 = [1,0]; gate weights pick feature 0
// for expert 0 and feature 1 for expert 1, so logits are [4,0], [0,4], [4,0]
// and the top-1 experts 0, 1, 0. Capacity 1: n2 finds expert 0 full and is
// dropped (slot -1). normalize_gates with top-1 makes every gate exactly 1.
// CHECK: index int32 [1,3,1] = 0 1 0
// CHECK: gate float32 [1,3,1] = 1.0 1.0 1.0
// CHECK: slot int32 [1,3,1] = 0 0 -1
// Expert 0 doubles its token: n0 -> [2, 0]. Expert 1 swaps and triples:
// n1 = [0, 1] -> [3, 0]. The dropped n2 gets nothing: [0, 0].
// CHECK: y float32 [1,1,3,2] = 2.0 0.0 3.0 0.0 0.0 0.0

func.func @main(%x: tensor<1x1x3x2x!snn.spike> {snn.name = "x"},
                %w: tensor<2x2x2xf32> {snn.name = "expert_w"})
    -> (tensor<1x3x1xi32> {snn.name = "index"},
        tensor<1x3x1xf32> {snn.name = "gate"},
        tensor<1x3x1xi32> {snn.name = "slot"},
        tensor<1x1x3x2xf32> {snn.name = "y"}) {
  %gw = arith.constant dense<[[4.0, 0.0], [0.0, 4.0]]> : tensor<2x2xf32>
  %index, %gate, %slot = snn.moe_router %x, %gw
      {top_k = 1 : i64, capacity = 1 : i64, normalize_gates = true}
      : (tensor<1x1x3x2x!snn.spike>, tensor<2x2xf32>)
      -> (tensor<1x3x1xi32>, tensor<1x3x1xf32>, tensor<1x3x1xi32>)
  %d = snn.moe_dispatch %x, %index, %slot {num_experts = 2 : i64, capacity = 1 : i64}
      : (tensor<1x1x3x2x!snn.spike>, tensor<1x3x1xi32>, tensor<1x3x1xi32>)
      -> tensor<2x1x1x1x2x!snn.spike>
  %e = snn.moe_experts %d params(%w : tensor<2x2x2xf32>)
      : tensor<2x1x1x1x2x!snn.spike> -> tensor<2x1x1x1x2xf32> {
  ^bb0(%tok: tensor<1x1x1x2x!snn.spike>, %we: tensor<2x2xf32>):
    %h = snn.linear %tok, %we : (tensor<1x1x1x2x!snn.spike>, tensor<2x2xf32>)
        -> tensor<1x1x1x2xf32>
    snn.yield %h : tensor<1x1x1x2xf32>
  }
  %y = snn.moe_combine %e, %index, %gate, %slot
      : (tensor<2x1x1x1x2xf32>, tensor<1x3x1xi32>, tensor<1x3x1xf32>, tensor<1x3x1xi32>)
      -> tensor<1x1x3x2xf32>
  return %index, %gate, %slot, %y
      : tensor<1x3x1xi32>, tensor<1x3x1xf32>, tensor<1x3x1xi32>, tensor<1x1x3x2xf32>
}
