"""Writes the large inputs of plan-limits.test into the directory argv[1]:

layers.mlir   65537 snn.add layers (one more than a plan may have);
inputs.mlir   1100 tiled adds concatenated into one add with 2^20 - 1100
              tasks (2^20 in the plan; (2^20 - 1100) x 1100 task inputs,
              more than 2^30);
cores.json    a target with 128 1x1 cores and 64 weight banks, and
cores.mlir    a linear of 2^19 + 1 output columns for it (2^32 + 8192
              task-core-bank choices for the placer).
"""
import json
import os
import sys

out = sys.argv[1]
T = 'tensor<1x1xf32>'
VEC = ('#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, '
       'outputs = 1, groups = {g}, vectors = 1, bundle = 1, held_bits = 0>')


def write(name, lines):
    with open(os.path.join(out, name), 'w') as f:
        f.write('\n'.join(lines) + '\n')


n = 65537
lines = ['func.func @layers(%a: tensor<1x1xf32>) -> tensor<1x1xf32> {']
prev = '%a'
for i in range(n):
    lines.append(f'  %v{i} = snn.add {prev}, %a : {T}, {T} -> {T}')
    prev = f'%v{i}'
lines += [f'  return {prev} : {T}', '}']
write('layers.mlir', lines)

n = 1100
big = f'tensor<1x{n}xf32>'
lines = ['module attributes {snn.target = "3d-mol"} {',
         f'func.func @inputs(%a: {T}, %b: {big}) -> {big} {{']
for i in range(n):
    lines.append(f'  %v{i} = snn.add %a, %a {{snn.tiling = [{VEC.format(g=1)}]}}'
                 f' : {T}, {T} -> {T}')
ops = ', '.join(f'%v{i}' for i in range(n))
lines.append(f'  %c = tensor.concat dim(1) {ops} : ({", ".join([T] * n)}) -> {big}')
lines.append(f'  %y = snn.add %c, %b {{snn.tiling = [{VEC.format(g=(1 << 20) - n)}]}}'
             f' : {big}, {big} -> {big}')
lines += [f'  return %y : {big}', '}', '}']
write('inputs.mlir', lines)

cores = [{'name': f'c{i}', 'kind': 'core', 'array_rows': 1, 'array_cols': 1,
          'lif_units': 1, 'scratchpad_bytes': 64} for i in range(128)]
banks = [{'name': f'w{i}', 'kind': 'sram', 'capacity_bytes': 1 << 20,
          'width_bits': 8, 'ports': 1, 'holds': 'weights'} for i in range(64)]
banks.append({'name': 'a0', 'kind': 'sram', 'capacity_bytes': 1 << 24,
              'width_bits': 8, 'ports': 1, 'holds': 'activations'})
target = {'format': 'spikestack-target', 'version': 1, 'name': 'wide',
          'technology': 'tech-28nm', 'clock_mhz': 500,
          'tiers': [{'name': 'logic', 'kind': 'logic', 'blocks': cores},
                    {'name': 'memory', 'kind': 'memory', 'blocks': banks}],
          'vertical_links': [{'lower': 'logic', 'upper': 'memory'}]}
with open(os.path.join(out, 'cores.json'), 'w') as f:
    json.dump(target, f)
m = (1 << 19) + 1
R = f'tensor<1x1x{m}x!snn.fixed<32, 0>>'
write('cores.mlir', [
    f'module attributes {{snn.target = "{os.path.join(out, "cores.json")}"}} {{',
    f'func.func @cores(%x: tensor<1x1x1x!snn.spike>) -> {R} {{',
    f'  %w = snn.constant dense<1> : tensor<{m}x1xi8> -> tensor<{m}x1x!snn.fixed<8, 0>>',
    f'  %y = snn.linear %x, %w : (tensor<1x1x1x!snn.spike>, tensor<{m}x1x!snn.fixed<8, 0>>) -> {R}',
    f'  return %y : {R}', '}', '}'])
