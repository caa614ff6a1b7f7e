// One synaptic layer that fits one array pass: 3 spike vectors (T = 1,
// 3 tokens) of K = 12 inputs through N = 10 int8 columns on a 16x16 array
// (one k block, one column task, one bundle), with a fused
// integrate-and-fire epilogue.
func.func @gemm(%x: tensor<1x3x12x!snn.spike> {snn.name = "x"}) -> (tensor<1x3x10x!snn.spike> {snn.name = "s"}) {
  %w = snn.constant dense<[[102, 109, 85, -64, 126, 77, 51, 22, 26, -71, -79, -4], [107, -80, -50, 9, 62, 23, 73, 78, -78, 51, -6, -106], [-8, 60, 81, -53, 92, -65, 18, 102, -98, 109, 1, -50], [-7, -79, 38, -4, 121, -36, -69, 121, -72, -63, 54, 94], [123, -8, -38, 31, 88, 113, -90, 0, 75, 61, -76, 81], [-15, 86, 48, -7, -93, 60, 32, -90, 14, -115, -59, 100], [105, -109, -11, -112, 18, 72, 14, -86, 74, -110, -49, -46], [106, 44, 80, -97, 14, 92, -57, 120, -10, 37, -79, 58], [-25, -84, 34, 34, -70, 121, -80, 109, -8, -41, 11, 50], [-96, -86, -25, 29, -124, 29, -25, -77, -125, -45, -92, 93]]> : tensor<10x12xi8> -> tensor<10x12x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<1x3x12x!snn.spike>, tensor<10x12x!snn.fixed<8, 0>>) -> tensor<1x3x10x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 64.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<1x3x10x!snn.fixed<32, 0>> -> tensor<1x3x10x!snn.spike>
  return %s : tensor<1x3x10x!snn.spike>
}
