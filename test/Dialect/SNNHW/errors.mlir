// RUN: snn-opt %s -verify-diagnostics -split-input-file

snnhw.program attributes {barriers = 1 : i64, input_offsets = array<i64>, makespan = 0 : i64, target = "3d-mol"} {
  // expected-error @+1 {{'snnhw.stream' op stream of core 0 must end with snnhw.halt}}
  snnhw.stream core 0 {
    snnhw.signal 0
  }
}

// -----

snnhw.program attributes {barriers = 1 : i64, input_offsets = array<i64>, makespan = 0 : i64, target = "3d-mol"} {
  snnhw.stream core 0 {
    snnhw.halt
  }
  // expected-error @+1 {{'snnhw.stream' op core 0 has more than one stream}}
  snnhw.stream core 0 {
    snnhw.halt
  }
}

// -----

snnhw.program attributes {barriers = 1 : i64, input_offsets = array<i64>, makespan = 0 : i64, target = "3d-mol"} {
  snnhw.stream core 0 {
    // expected-error @+1 {{'snnhw.wait' op barrier 3 is not below the program's 1 barriers}}
    snnhw.wait 3 count 1
    snnhw.halt
  }
}

// -----

snnhw.program attributes {barriers = 1 : i64, input_offsets = array<i64>, makespan = 0 : i64, target = "3d-mol"} {
  snnhw.stream core 0 {
    // expected-error @+1 {{'snnhw.wait' op needs barrier >= 0 and count >= 1, got barrier 0, count 0}}
    snnhw.wait 0 count 0
    snnhw.halt
  }
}

// -----

snnhw.program attributes {barriers = 0 : i64, input_offsets = array<i64>, makespan = 0 : i64, target = "3d-mol"} {
  snnhw.stream core 0 {
    // expected-error @+1 {{'snnhw.load' op needs bank >= -1 (DRAM), offset >= 0 and bytes > 0, got bank -2, offset 0, bytes 8}}
    snnhw.load weights layer 0 task 0 bank -2 offset 0 bytes 8
    snnhw.halt
  }
}

// -----

snnhw.program attributes {barriers = 0 : i64, input_offsets = array<i64>, makespan = 0 : i64, target = "3d-mol"} {
  snnhw.stream core 0 {
    // expected-error @+1 {{'snnhw.spike_acc' op needs layer, tiling, task >= 0 and k_tiles, columns, vectors, bundle >= 1}}
    snnhw.spike_acc layer 0 tiling 0 task 0 k_tiles 1 columns 4 vectors 6 bundle 0
    snnhw.halt
  }
}

// -----

// expected-error @+1 {{'snnhw.halt' op expects parent op 'snnhw.stream'}}
snnhw.halt

// -----

snnhw.program attributes {barriers = 0 : i64, input_offsets = array<i64>, makespan = 0 : i64, target = "3d-mol"} {
  snnhw.stream core 0 {
    // expected-error @+1 {{'snnhw.fetch' op fetches into an SRAM bank (bank >= 0), got bank -1}}
    snnhw.fetch layer 0 task 0 bank -1 offset 0 bytes 8
    snnhw.halt
  }
}

// -----

snnhw.program attributes {barriers = 0 : i64, input_offsets = array<i64>, makespan = 0 : i64, target = "3d-mol"} {
  snnhw.stream core 0 {
    // expected-error @+1 {{'snnhw.fetch' op needs bank >= -1 (DRAM), offset >= 0 and bytes > 0, got bank 2, offset 0, bytes 0}}
    snnhw.fetch layer 0 task 0 bank 2 offset 0 bytes 0
    snnhw.halt
  }
}
