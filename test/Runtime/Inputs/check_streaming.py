#!/usr/bin/env python3
"""Prints what test/Runtime/streaming.test checks of a weight-streaming run:
the cycles, the report's "dram" object, the memory stalls, the off-chip
DRAM energy, and the transfers on the fetch track of core 0 (name, start
and duration in cycles, from the trace's microseconds and the clock).

  check_streaming.py REPORT.json TRACE.json
"""
import json
import sys

report = json.load(open(sys.argv[1]))
trace = json.load(open(sys.argv[2]))["traceEvents"]
us_per_cycle = 1.0 / report["clock_mhz"]
d = report["dram"]
b = d["bits"]
print(f"cycles {report['cycles']}")
print(f"dram bits weights {b['weights']:g} inputs {b['inputs']:g} "
      f"spills {b['spills']:g} total {b['total']:g}")
for layer in d["per_layer"]:
    print(f"dram layer {layer['layer']} weights {layer['weights']:g} "
          f"inputs {layer['inputs']:g} spills {layer['spills']:g}")
print(f"dram channels {d['channels']} bits/cycle "
      f"{d['bandwidth_bits_per_cycle']:g} busy {d['busy_cycles']}")
print(f"memory stall {report['counters']['stall_cycles']['c0']['memory']}")
off = report["energy_pj"]["by_tier"].get("off-chip", {"by_kind": {"dram": 0}})
print(f"dram energy {off['by_kind']['dram']:g} pJ")
names = {e["tid"]: e["args"]["name"] for e in trace
         if e.get("name") == "thread_name"}
for e in trace:
    if e.get("ph") == "X" and names.get(e["tid"]) == "c0 fetch":
        print(f"track '{names[e['tid']]}': {e['name']} at "
              f"{round(e['ts'] / us_per_cycle)} for "
              f"{round(e['dur'] / us_per_cycle)} done {e['args']['done']}")
    if e.get("ph") == "X" and e["name"].startswith("wait fetch"):
        print(f"track '{names[e['tid']]}': {e['name']} at "
              f"{round(e['ts'] / us_per_cycle)} for "
              f"{round(e['dur'] / us_per_cycle)}")
