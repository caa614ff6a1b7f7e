"""Check a placed module (after --snn-place) against its target.

    check_placement.py PLACED.mlir NUM_CORES CORES_PER_TIER

Every op with snn.tiling has an snn.placement with one core per column
task; core indices are below NUM_CORES; prints how many ops are placed,
how many cores and tiers they use, and the tiers each attention op's
tasks run on (heads spread across tiers in logic-on-logic).
"""
import re
import sys

path, num_cores, per_tier = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tiled = placed = 0
used = set()
ok = True
for line in open(path):
    if "snn.tiling" not in line:
        continue
    tiled += 1
    m = re.search(r"snn\.placement = \[((?:#snn\.placement<[^>]*>(?:, )?)*)\]",
                  line)
    if not m:
        print("unplaced:", line.strip()[:120]); ok = False
        continue
    placed += 1
    cores = [int(c) for group in re.findall(r"cores = \[([0-9, ]*)\]", m.group(1))
             for c in group.split(",") if c.strip()]
    if any(c >= num_cores for c in cores):
        print("core out of range:", cores); ok = False
    used.update(cores)
    if "snn.spiking_attention" in line:
        tiers = sorted({c // per_tier for c in cores})
        print("attention tiers:", " ".join(map(str, tiers)))
print(f"placed {placed} of {tiled} tiled ops on {len(used)} cores, "
      f"{len({c // per_tier for c in used})} tier(s)")
sys.exit(0 if ok else 1)
