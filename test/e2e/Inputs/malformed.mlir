// Not valid MLIR syntax: the type of the linear result is missing.
func.func @main(%x: tensor<4x3x!snn.spike> {snn.name = "x"},
                %w: tensor<2x3xf32> {snn.name = "w"}) -> tensor<4x2xf32> {
  %z = snn.linear %x, %w : (tensor<4x3x!snn.spike>, tensor<2x3xf32>) ->
  return %z : tensor<4x2xf32>
}
