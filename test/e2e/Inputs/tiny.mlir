// Tiny program for bad-inputs.test: y = LIF(x W^T) with spike input x [4, 3]
// and weight w [2, 3]. With x all ones and w = [[0.5, 0.25, 0.25], [1, 1, 1]]
// the currents are 1 and 3: neuron 0 never fires (its membrane climbs to
// 0.9375), neuron 1 fires at every step.
func.func @main(%x: tensor<4x3x!snn.spike> {snn.name = "x"},
                %w: tensor<2x3xf32> {snn.name = "w"})
    -> (tensor<4x2x!snn.spike> {snn.name = "y"}) {
  %z = snn.linear %x, %w : (tensor<4x3x!snn.spike>, tensor<2x3xf32>) -> tensor<4x2xf32>
  %y = snn.lif %z : tensor<4x2xf32> -> tensor<4x2x!snn.spike>
  return %y : tensor<4x2x!snn.spike>
}
