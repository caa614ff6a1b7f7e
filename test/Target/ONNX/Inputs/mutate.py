"""Structure-aware mutations of an ONNX model: the importer must give a
clear error or succeed, never crash, hang or trip a sanitizer.

    mutate.py SEED COUNT MODEL SNN_TRANSLATE WORKDIR
"""
import random, subprocess, sys, os, copy
import numpy as np
import onnx
from onnx import numpy_helper
base = onnx.load(sys.argv[3])
tool = sys.argv[4]
env = dict(os.environ)
env.setdefault('ASAN_OPTIONS', 'allow_user_poisoning=0:detect_leaks=1')
rng = random.Random(int(sys.argv[1]))
ops = ['Add', 'Mul', 'Reshape', 'Transpose', 'Gather', 'Concat', 'Slice', 'Conv', 'MaxPool', 'MatMul', 'Cast', 'Unsqueeze', 'Squeeze', 'Expand', 'Tile', 'ReduceMean', 'Gemm', 'BatchNormalization', 'Where', 'Shape', 'Einsum', 'OneHot']
bad = 0; outcomes = {}
for i in range(int(sys.argv[2])):
    m = copy.deepcopy(base)
    g = m.graph
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(['attr', 'attr', 'init', 'op', 'input', 'const'])
        n = g.node[rng.randrange(len(g.node))]
        if kind == 'attr' and n.attribute:
            a = n.attribute[rng.randrange(len(n.attribute))]
            if a.type == onnx.AttributeProto.INT:
                a.i = rng.choice([-5, -1, 0, 1, 2, 7, 2**31, -2**40])
            elif a.type == onnx.AttributeProto.INTS:
                del a.ints[:]
                a.ints.extend(rng.choice([-3, -1, 0, 1, 2, 3, 9, 2**40]) for _ in range(rng.randint(0, 6)))
            elif a.type == onnx.AttributeProto.FLOAT:
                a.f = rng.choice([0.0, -1.0, float('nan'), float('inf'), 1e30])
        elif kind == 'init' and g.initializer:
            t = g.initializer[rng.randrange(len(g.initializer))]
            arr = numpy_helper.to_array(t)
            if arr.size and rng.random() < 0.5:
                arr = arr.reshape(-1)[: rng.randrange(arr.size)]
            t.CopyFrom(numpy_helper.from_array(arr.astype(arr.dtype), t.name))
        elif kind == 'op':
            n.op_type = rng.choice(ops)
        elif kind == 'input' and n.input:
            if rng.random() < 0.5:
                del n.input[rng.randrange(len(n.input))]
            else:
                n.input[rng.randrange(len(n.input))] = rng.choice([x.name for x in g.initializer] + ['image'])
        elif kind == 'const' and n.op_type == 'Constant':
            v = rng.choice([np.array([-1, 0, 3], np.int64), np.array(2**40, np.int64), np.array([], np.int64), np.zeros((2, 2), np.float32), np.array(-7, np.int64)])
            n.attribute[0].t.CopyFrom(numpy_helper.from_array(v))
    path = os.path.join(sys.argv[5], 'sm.onnx')
    onnx.save(m, path)
    try:
        r = subprocess.run([tool, '--import-onnx', path, '-o', os.path.join(sys.argv[5], 'sm.mlir')], capture_output=True, env=env, timeout=120)
    except subprocess.TimeoutExpired:
        bad += 1; print('HANG', i); continue
    err = r.stderr.decode(errors='replace')
    outcomes[r.returncode] = outcomes.get(r.returncode, 0) + 1
    if r.returncode < 0 or 'Sanitizer' in err or 'runtime error' in err or r.returncode not in (0, 1):
        bad += 1
        print('CRASH rc', r.returncode, err[-900:])
print('mutants:', sum(outcomes.values()), 'crashes or hangs:', bad)
sys.exit(1 if bad else 0)
