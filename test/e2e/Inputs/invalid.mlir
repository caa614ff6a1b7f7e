// Parses, but fails the verifier: the weight expects 4 input features.
func.func @main(%x: tensor<4x3x!snn.spike> {snn.name = "x"},
                %w: tensor<2x4xf32> {snn.name = "w"}) -> tensor<4x2xf32> {
  %z = snn.linear %x, %w : (tensor<4x3x!snn.spike>, tensor<2x4xf32>) -> tensor<4x2xf32>
  return %z : tensor<4x2xf32>
}
