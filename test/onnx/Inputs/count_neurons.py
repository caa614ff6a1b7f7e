"""Neurons in imported IR versus the model's LIF layers (from its .json)."""
import json
import re
import sys

ir = open(sys.argv[1]).read()
layers = json.load(open(sys.argv[2]))["neuron_layers"]
lifs = len(re.findall(r"= snn\.(lif|if) ", ir))
attention = len(re.findall(r"snn\.spiking_attention <", ir))
found = lifs + attention  # each attention op holds its neuron
print(f"{lifs} snn.lif/if + {attention} in snn.spiking_attention = {found} "
      f"of {layers} LIF layers: {'all raised' if found == layers else 'MISSING'}")
sys.exit(0 if found == layers else 1)
