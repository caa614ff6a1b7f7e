#!/usr/bin/python3
"""Writes hostile target files for hostile.test into OUT_DIR, each a small
change to GOOD (a valid target file, `snn-target --print 3d-mol`).

  make_hostile.py GOOD OUT_DIR
"""
import copy
import json
import os
import sys

good_path, out = sys.argv[1], sys.argv[2]
with open(good_path) as f:
    good = json.load(f)
text = json.dumps(good, indent=1)


def write(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(out, name), mode) as f:
        f.write(data)


def edit(name, change):
    d = copy.deepcopy(good)
    change(d)
    write(name, json.dumps(d, indent=1))


def core(d):
    return d["tiers"][0]["blocks"][0]


def bank(d):
    return d["tiers"][1]["blocks"][0]


def override(**values):
    return lambda d: d.update(technology_overrides=values)


# --- the JSON text -----------------------------------------------------------
# 1e5 brackets as the value of a field (closed: valid JSON), and unclosed.
deep = "[" * 100000 + "]" * 100000
write("deep-field.json", text.replace('"array_rows": 32', '"array_rows": ' + deep, 1))
write("deep-version.json", text.replace('"version": 1', '"version": ' + deep, 1))
write("deep-open.json", "[" * 100000)
write("deep-objects.json", '{"a": ' * 100000 + "1" + "}" * 100000)
# 17 levels: one more than allowed.
write("nest17.json", "[" * 17 + "]" * 17)
write("e999.json", text.replace('"clock_mhz": 500', '"clock_mhz": 1e999', 1))
write("neg-e999.json", text.replace('"clock_mhz": 500', '"clock_mhz": -1e999', 1))
write("long-digits.json", text.replace('"clock_mhz": 500', '"clock_mhz": 1' + "0" * 400, 1))
write("dup-key.json", text.replace('"clock_mhz": 500', '"clock_mhz": 500, "clock_mhz": 400', 1))
write("dup-escaped.json", text.replace('"name": "3d-mol"', '"name": "3d-mol", "n\\u0061me": "x"', 1))
write("bad-utf8.json", text.replace("3d-mol", "3d-\xff\xfe", 1).encode("latin-1"))
write("empty.json", "")
write("nul.json", b"\x00\x00\x00")

# --- numbers against the range table ----------------------------------------
edit("pitch.json", lambda d: d["vertical_links"][0].update(bond_pitch_um=1e-9))
edit("link-latency.json", lambda d: d["vertical_links"][0].update(latency_cycles=2**62))
edit("bond-latency.json", override(bond_latency_cycles=1e30))
edit("sram-cycles.json", override(sram_access_cycles=2e18))
edit("fractional-cycles.json", override(sram_access_cycles=1.5))
edit("yield.json", override(yield_die_to_wafer=0))
edit("read-energy.json", override(e_sram_read_32k_fj_per_bit=0))
edit("dram.json", override(dram_latency_ns=1e300))
edit("override-string.json", override(pe_area_um2="300"))
edit("huge-array.json", lambda d: core(d).update(array_rows=2**40, array_cols=2**40))
edit("u64.json", lambda d: bank(d).update(capacity_bytes=2**64 - 1))
edit("beyond-u64.json", lambda d: bank(d).update(capacity_bytes=2**70))
edit("min-i64.json", lambda d: core(d).update(lif_units=-2**63))
edit("clock.json", lambda d: d.update(clock_mhz=1e-300))
edit("ports.json", lambda d: bank(d).update(ports=1000))


def inline_tech(d):
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "inline-tech.json")) as f:
        d["technology"] = json.load(f)["technology"]
    d["technology"]["values"]["pe_area_um2"]["value"] = -1


edit("inline-tech.json", inline_tech)


# Each bank 2^40 B: 12 of them exceed the 1 TiB total.
def full_banks(d):
    for b in d["tiers"][1]["blocks"]:
        b["capacity_bytes"] = 2**40


edit("total-sram.json", full_banks)
# The largest arrays on the largest PEs: 8 x 2.0e6 mm^2 of cores.
edit("area.json", lambda d: ([c.update(array_rows=4096, array_cols=4096) for c in d["tiers"][0]["blocks"]],
                             d.update(technology_overrides={"pe_area_um2": 1e5})))

# --- structure and names -----------------------------------------------------
edit("many-tiers.json", lambda d: d.update(tiers=[copy.deepcopy(d["tiers"][1]) for _ in range(100)]))
edit("many-links.json", lambda d: d["vertical_links"].extend([d["vertical_links"][0]] * 1000))
edit("empty-name.json", lambda d: core(d).update(name=""))
edit("control-name.json", lambda d: d["tiers"][0].update(name="lo\ngic\x1b[31m"))
edit("long-name.json", lambda d: bank(d).update(name="m" * 100))
edit("empty-target-name.json", lambda d: d.update(name=""))
edit("long-holds.json", lambda d: bank(d).update(holds="x" * 100000))
edit("unknown-key.json", lambda d: core(d).update({"\u0000" + "k" * 1000: 1}))

# --- valid at the edges of the ranges (they must load, and everything
# derived from them stay finite) ----------------------------------------------
tech_max = {
    "vdd_v": 10, "e_accumulate_pj": 1e4, "e_mac_pj": 1e4, "e_lif_update_pj": 1e4,
    "e_scratchpad_fj_per_bit": 1e6, "e_sram_read_32k_fj_per_bit": 1e6,
    "e_sram_write_32k_fj_per_bit": 1e6, "e_sram_read_128k_fj_per_bit": 1e6,
    "e_sram_read_512k_fj_per_bit": 1e6, "sram_access_cycles": 1000,
    "sram_leakage_mw_per_32k": 1e4, "wire_energy_pj_per_bit_mm": 1000,
    "wire_delay_ns_per_mm": 1000, "wire_slack_ns": 0, "bond_pitch_um": 1000,
    "bond_signal_fraction": 1, "bond_energy_pj_per_bit": 1000,
    "bond_latency_cycles": 1000, "microbump_energy_pj_per_bit": 1000,
    "dram_energy_pj_per_bit": 1e4, "dram_latency_ns": 1e6,
    "yield_die_to_wafer": 1, "yield_wafer_to_wafer": 1, "paper_e_ac_pj": 1e4,
    "paper_e_mac_pj": 1e4, "pe_area_um2": 10, "lif_unit_area_um2": 1e3,
    "scratchpad_area_um2_per_byte": 1, "sram_area_mm2_per_mib": 1,
    "core_overhead_fraction": 10,
}


def edge_max(d):
    d["clock_mhz"] = 10000
    d["technology_overrides"] = tech_max
    for c in d["tiers"][0]["blocks"]:
        c.update(array_rows=4096, array_cols=4096, lif_units=65536, scratchpad_bytes=2**30)
    for b in d["tiers"][1]["blocks"]:
        b.update(capacity_bytes=2**36, width_bits=65536, ports=64)


def edge_min(d):
    d["clock_mhz"] = 0.001
    d["technology_overrides"] = {
        "sram_access_cycles": 0, "bond_latency_cycles": 0, "wire_delay_ns_per_mm": 0,
        "e_sram_read_32k_fj_per_bit": 1e-300, "e_sram_write_32k_fj_per_bit": 0,
        "pe_area_um2": 1, "lif_unit_area_um2": 0, "scratchpad_area_um2_per_byte": 0,
        "bond_signal_fraction": 0.01, "dram_latency_ns": 0, "bond_pitch_um": 0.1,
        "vdd_v": 1e-300, "wire_energy_pj_per_bit_mm": 0, "core_overhead_fraction": 0}
    for c in d["tiers"][0]["blocks"]:
        c.update(array_rows=1, array_cols=1, lif_units=1, scratchpad_bytes=0)
    for b in d["tiers"][1]["blocks"]:
        b.update(width_bits=8, ports=1)


edit("edge-max.json", edge_max)
edit("edge-min.json", edge_min)
edit("edge-min-bank.json", lambda d: (edge_min(d), bank(d).update(capacity_bytes=1)))
