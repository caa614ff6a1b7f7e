"""Neurons in imported IR versus the model's LIF layers (from its .json:
`neuron_layers`, or the length of `firing_rates` for the shipped fixtures).

A neuron in the body of snn.moe_experts stands for one layer per expert
the model has (all experts minus the `zero_experts` it compiled out)."""
import json
import re
import sys

lines = open(sys.argv[1]).read().splitlines()
meta = json.load(open(sys.argv[2]))
layers = meta.get("neuron_layers", len(meta.get("firing_rates", [])))
neuron = re.compile(r"= snn\.(lif|if) ")
lifs = attention = in_experts = 0
experts = 0  # live experts of the enclosing snn.moe_experts (0: outside)
for line in lines:
    m = re.search(r"snn\.moe_experts .*-> tensor<(\d+)x", line)
    if m:
        zero = re.search(r"zero_experts = array<i64: ([\d, ]+)>", line)
        experts = int(m.group(1)) - (len(zero.group(1).split(",")) if zero else 0)
        continue
    if "snn.yield" in line:
        experts = 0
    if neuron.search(line):
        if experts:
            in_experts += experts
        else:
            lifs += 1
    if re.search(r"snn\.spiking_attention <", line):
        attention += 1
found = lifs + in_experts + attention  # each attention op holds its neuron
print(f"{lifs} snn.lif/if + {in_experts} in snn.moe_experts + {attention} in "
      f"snn.spiking_attention = {found} of {layers} LIF layers: "
      f"{'all raised' if found == layers else 'MISSING'}")
sys.exit(0 if found == layers else 1)
