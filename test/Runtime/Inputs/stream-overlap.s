; Double-buffered weight streaming of the two column tasks of
; streaming-linear.mlir on streaming-1core.json (docs/isa.md, "Weight
; streaming"): task 1's weights are fetched while task 0 computes.
; DRAM: 16 bits/cycle, 50 cycles; bond 3 cycles; SRAM access 2 cycles;
; bank port 64 bits per transfer (2 ports: the fetch's 16 bits/cycle never
; slow the array's reads). A task's weights: 16 x 16 x 8 = 2048 bits, so a
; fetch serializes 2048 / 16 = 128 cycles and completes 128 + 50 + 3 = 181
; cycles after it starts; a spike_acc of 4 all-ones vectors is one pass:
; 2 + 3 + 2048 / 64 = 37 cycles of weight load, then 16 + 16 - 2 + 4 = 34
; of compute (71); a lif of 64 neurons on 16 units is 4 cycles.
fetch layer 0 task 0 bank 0 offset 0 bytes 256          ; t=0: DRAM [0,128), done 181
load input layer 0 task 0 bank -1 offset 0 bytes 8      ; t=1: 64 bits queue behind the fetch: DRAM [128,132) + 50 = 182
load weights layer 0 task 0 bank 0 offset 0 bytes 256   ; t=182 (fetch done at 181): 183
fetch layer 0 task 1 bank 0 offset 256 bytes 256        ; t=183: DRAM [183,311), done 364; 184
spike_acc layer 0 tiling 0 task 0 k_tiles 1 columns 16 vectors 4 bundle 4 ; 184 + 71 = 255
lif layer 0 task 0 elements 64                          ; 259
load weights layer 0 task 1 bank 0 offset 256 bytes 256 ; waits for the fetch until 364: 365
spike_acc layer 0 tiling 0 task 1 k_tiles 1 columns 16 vectors 4 bundle 4 ; 365 + 71 = 436
lif layer 0 task 1 elements 64                          ; 440
halt                                                    ; cycles 440
