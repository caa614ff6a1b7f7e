; Both tasks' weights fetched at the start, into the two slots: the fetch
; queue sends them back to back, so the DRAM channel is busy from cycle 0
; to 2 x 2048 / 16 = 256; the last weights are in at 256 + 50 + 3 = 309,
; and the run ends after the last task's load weights, spike_acc and lif:
; 309 + 1 + 71 + 4 = 385 (the transfer bound plus that tail).
fetch layer 0 task 0 bank 0 offset 0 bytes 256          ; t=0: DRAM [0,128), done 181
fetch layer 0 task 1 bank 0 offset 256 bytes 256        ; t=1, queued: DRAM [128,256), done 309
load weights layer 0 task 0 bank 0 offset 0 bytes 256   ; waits until 181: 182
spike_acc layer 0 tiling 0 task 0 k_tiles 1 columns 16 vectors 4 bundle 4 ; 182 + 71 = 253
lif layer 0 task 0 elements 64                          ; 257
load weights layer 0 task 1 bank 0 offset 256 bytes 256 ; waits until 309: 310
spike_acc layer 0 tiling 0 task 1 k_tiles 1 columns 16 vectors 4 bundle 4 ; 310 + 71 = 381
lif layer 0 task 1 elements 64                          ; 385
halt                                                    ; cycles 385
