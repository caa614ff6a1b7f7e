// Bad inputs and options of snn-run (issue 13, classes 3, 6 and 8): each is
// an error that says what is wrong, where and what is allowed, with a
// non-zero exit and nothing written to the output directory %t/o.
//
// RUN: rm -rf %t && mkdir -p %t/o %t/in %t/plain
// RUN: %python -c "import numpy as np; \
// RUN:   x = np.zeros(4, np.float32); x[1] = np.nan; x[3] = np.nan; np.save('%t/nan.npy', x); \
// RUN:   y = np.zeros(4, np.float32); y[2] = -np.inf; np.save('%t/ninf.npy', y); \
// RUN:   np.save('%t/in/x.npy', np.ones(4, np.float32)); np.save('%t/x.npy', np.ones(4, np.float32)); \
// RUN:   i = np.load('%testdata/models/spikformer-c1-128.input.npy'); \
// RUN:   i[0, 1, 2, 3] = np.nan; i[0, 2, 29, 7] = np.inf; np.save('%t/image-nan.npy', i)"
// RUN: snn-compile %testdata/models/spikformer-c1-128.onnx --target 3d-mol -o %t/p.snnp

func.func @copy(%x: tensor<4xf32> {snn.name = "x"}) -> (tensor<4xf32> {snn.name = "y"}) {
  return %x : tensor<4xf32>
}

// --- NaN and infinity are rejected, not run --------------------------------
// The interpreter: x = [0, nan, 0, nan] and [0, 0, -inf, 0].
// RUN: not snn-run --interpret %s --entry copy --input x=%t/nan.npy --output-dir %t/o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NAN
// NAN: snn-run: error: input 'x' ({{.*}}nan.npy): 2 of 4 elements are not finite, the first at flat index 1 (nan); inputs must be finite (no NaN or infinity)
// RUN: not snn-run --interpret %s --entry copy --input x=%t/ninf.npy --output-dir %t/o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NINF
// NINF: snn-run: error: input 'x' ({{.*}}ninf.npy): 1 of 4 elements are not finite, the first at flat index 2 (-inf)
// The executor: image [1, 3, 32, 32] with nan at [0, 1, 2, 3] (flat index
// 1 * 1024 + 2 * 32 + 3 = 1091) and inf at [0, 2, 29, 7] (2 * 1024 +
// 29 * 32 + 7 = 2983).
// RUN: not snn-run %t/p.snnp --input image=%t/image-nan.npy --output-dir %t/o \
// RUN:     --report %t/o/r.json 2>&1 | FileCheck %s --check-prefix=IMAGE
// IMAGE: snn-run: error: input 'image' ({{.*}}image-nan.npy): 2 of 3072 elements are not finite, the first at flat index 1091 (nan)

// --- --input-dir -------------------------------------------------------------
// RUN: not snn-run --interpret %s --entry copy --input-dir %t/nonexistent --output-dir %t/o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NODIR
// RUN: not snn-run %t/p.snnp --input-dir %t/nonexistent --output-dir %t/o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NODIR
// NODIR: snn-run: error: --input-dir '{{.*}}nonexistent' does not exist
// RUN: not snn-run --interpret %s --entry copy --input-dir %t/x.npy --output-dir %t/o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOTDIR
// NOTDIR: snn-run: error: --input-dir '{{.*}}x.npy' is not a directory
// RUN: not snn-run --interpret %s --entry copy --input-dir= --output-dir %t/o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=EMPTYDIR
// EMPTYDIR: snn-run: error: --input-dir needs a directory
// A directory without the input: the message says where it looked.
// RUN: not snn-run %t/p.snnp --input-dir %t/plain --output-dir %t/o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOTIN
// NOTIN: snn-run: error: missing input 'image' ([1, 3, 32, 32]xf32); pass --input image=FILE.npy or put image.npy in {{.*}}plain
// The good directory works.
// RUN: snn-run --interpret %s --entry copy --input-dir %t/in --output-dir %t/good
// RUN: %python -c "import numpy as np; print(np.load('%t/good/y.npy').tolist())" | FileCheck %s --check-prefix=GOOD
// GOOD: [1.0, 1.0, 1.0, 1.0]

// A program input name that is not a plain file name is not looked up in
// the directory: %t/in/../x.npy exists, but it is outside %t/in. (The
// snn dialect's verifier refuses such snn.name attributes in MLIR; a
// program can still carry any name.)
// RUN: snn-asm -d %t/p.snnp -o %t/p.s
// RUN: %python %S/../../Runtime/Inputs/edit_streams.py rename %t/p.s %t/escape.s image ../x
// RUN: snn-asm %t/escape.s -o %t/escape.snnp
// RUN: cp %testdata/models/spikformer-c1-128.input.npy %t/x.npy
// RUN: not snn-run %t/escape.snnp --input-dir %t/in --output-dir %t/o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=ESCAPE
// ESCAPE: snn-run: error: input '../x' cannot be read from --input-dir: its name is not a plain file name; pass --input NAME=FILE.npy
// With --input it runs.
// RUN: snn-run %t/escape.snnp --input ../x=%t/x.npy --output-dir %t/escape --quiet

// --- --max-calendar-buckets: 1 to 2^40 -------------------------------------
// RUN: not snn-run %t/p.snnp --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --max-calendar-buckets=0 --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=BUCKETS0
// BUCKETS0: snn-run: error: --max-calendar-buckets must be an integer from 1 to 2^40 (1099511627776), got '0'
// RUN: not snn-run %t/p.snnp --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --max-calendar-buckets=-1 --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=BUCKETSNEG
// BUCKETSNEG: snn-run: error: --max-calendar-buckets must be an integer from 1 to 2^40 (1099511627776), got '-1'
// RUN: not snn-run %t/p.snnp --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --max-calendar-buckets=1099511627777 --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=BUCKETSBIG
// BUCKETSBIG: got '1099511627777'
// RUN: not snn-run %t/p.snnp --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --max-calendar-buckets=lots --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=BUCKETSTEXT
// BUCKETSTEXT: snn-run: error: --max-calendar-buckets must be an integer from 1 to 2^40 (1099511627776), got 'lots'
// Both ends of the range run (one bucket is too few for any transfer).
// RUN: snn-run %t/p.snnp --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --max-calendar-buckets=1099511627776 --output-dir %t/max --quiet
// RUN: not snn-run %t/p.snnp --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --max-calendar-buckets=1 --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=BUCKETS1
// BUCKETS1: error: {{.*}}p.snnp: the program's memory transfers need more than 1 bandwidth-calendar buckets, the executor's limit

// --- --max-operations: 1 to 2^50 ---------------------------------------------
// The shipped model needs about 2.7 * 10^8 operations: 1000 is refused
// before anything runs, with the numbers; 2^50 runs.
// RUN: not snn-run %t/p.snnp --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --max-operations=1000 --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=OPS
// OPS: snn-run: error: {{.*}}p.snnp: the layer table needs about {{[0-9.]+}}e+08 operations (multiply-accumulates, pooling window reads and element operations), more than the executor's limit of 1000 (RunOptions::maxOperations, snn-run --max-operations); node {{[0-9]+}} ({{[a-z_0-9]+}}) alone needs {{[0-9.]+}}e+0{{[0-9]}}
// RUN: not snn-run %t/p.snnp --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --max-operations=0 --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=OPS0
// OPS0: snn-run: error: --max-operations must be an integer from 1 to 2^50 (1125899906842624), got '0'
// RUN: not snn-run %t/p.snnp --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --max-operations=1125899906842625 --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=OPSBIG
// OPSBIG: got '1125899906842625'
// RUN: snn-run %t/p.snnp --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --max-operations=1125899906842624 --output-dir %t/maxops --quiet

// --- Options of the other mode ---------------------------------------------
// RUN: not snn-run %t/p.snnp --interpret %s --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: snn-run: error: pass either PROGRAM ('{{.*}}p.snnp') or --interpret FILE.mlir, not both
// RUN: not snn-run --interpret %s --entry copy --input x=%t/x.npy --report %t/o/r.json \
// RUN:     --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=REPORT
// REPORT: snn-run: error: --report applies to running a PROGRAM, not to --interpret
// RUN: not snn-run --interpret %s --entry copy --input x=%t/x.npy --max-calendar-buckets=5 \
// RUN:     --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=IBUCKETS
// IBUCKETS: snn-run: error: --max-calendar-buckets applies to running a PROGRAM, not to --interpret
// RUN: not snn-run --interpret %s --entry copy --input x=%t/x.npy --max-operations=5 \
// RUN:     --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=IOPS
// IOPS: snn-run: error: --max-operations applies to running a PROGRAM, not to --interpret
// RUN: not snn-run %t/p.snnp --entry main --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=ENTRY
// ENTRY: snn-run: error: --entry applies to --interpret FILE.mlir only
// RUN: not snn-run %t/p.snnp --dump-tagged %t/o/tags --input image=%testdata/models/spikformer-c1-128.input.npy \
// RUN:     --output-dir %t/o 2>&1 | FileCheck %s --check-prefix=TAGS
// TAGS: snn-run: error: --dump-tagged applies to --interpret FILE.mlir only

// --- .npy inputs that are not regular files ----------------------------------
// /dev/zero would be read forever, a FIFO without a writer would block.
// RUN: not snn-run --interpret %s --entry copy --input x=/dev/zero --output-dir %t/o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=ZERO
// ZERO: snn-run: error: input 'x': cannot read .npy input '/dev/zero': it is a character device, not a regular file
// RUN: mkfifo %t/fifo.npy
// RUN: not snn-run %t/p.snnp --input image=%t/fifo.npy --output-dir %t/o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=FIFO
// FIFO: snn-run: error: input 'image': cannot read .npy input '{{.*}}fifo.npy': it is a FIFO, not a regular file
// RUN: not snn-run --interpret %s --entry copy --input x=%t/in --output-dir %t/o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=DIR
// DIR: snn-run: error: input 'x': cannot read .npy input '{{.*}}in': it is a directory, not a regular file

// Nothing was written by any failing run.
// RUN: ls -A %t/o | count 0
