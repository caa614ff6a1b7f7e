; stream-overlap.s with task 1's fetch after task 0's work (no overlap):
; the serial sum of the fetches and the compute.
fetch layer 0 task 0 bank 0 offset 0 bytes 256          ; t=0: DRAM [0,128), done 181
load input layer 0 task 0 bank -1 offset 0 bytes 8      ; t=1: DRAM [128,132) + 50 = 182
load weights layer 0 task 0 bank 0 offset 0 bytes 256   ; 183
spike_acc layer 0 tiling 0 task 0 k_tiles 1 columns 16 vectors 4 bundle 4 ; 183 + 71 = 254
lif layer 0 task 0 elements 64                          ; 258
fetch layer 0 task 1 bank 0 offset 256 bytes 256        ; t=258: DRAM [258,386), done 439; 259
load weights layer 0 task 1 bank 0 offset 256 bytes 256 ; waits until 439: 440
spike_acc layer 0 tiling 0 task 1 k_tiles 1 columns 16 vectors 4 bundle 4 ; 440 + 71 = 511
lif layer 0 task 1 elements 64                          ; 515
halt                                                    ; cycles 515
