# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "SpikeStack"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "data", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.spikestack_obj_root, "test")

llvm_config.use_default_substitutions()
# Sanitizer settings (scripts/dev.sh sets them for the sanitizer build).
llvm_config.with_system_environment(["ASAN_OPTIONS", "UBSAN_OPTIONS"])
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.spikestack_tools_dir, append_path=True)
llvm_config.with_environment(
    "PYTHONPATH", os.path.join(config.spikestack_src_root, "python"),
    append_path=True)

config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(
    ("%snn_translate", os.path.join(config.spikestack_tools_dir, "snn-translate")))
config.substitutions.append(("%src_root", config.spikestack_src_root))
config.substitutions.append(
    ("%testdata", os.path.join(config.spikestack_src_root, "test", "data")))

# The large zoo models (test/Target/ONNX/zoo-large.test: minutes, GBs) run only on
# request: SPIKESTACK_LARGE_TESTS=1 in lit's environment.
if os.environ.get("SPIKESTACK_LARGE_TESTS") == "1":
    config.available_features.add("large-models")
# spikestack._runtime is built (not in sanitizer builds).
if config.python_bindings == "ON":
    config.available_features.add("python-bindings")
    config.substitutions.append(
        ("%spikestack_build", config.spikestack_obj_root))

# Dask distributed, PyYAML and tqdm for spikestack.dse (test/Python/dse.test).
import subprocess
if subprocess.run([config.python_executable, "-c",
                   "import distributed, yaml, tqdm"],
                  stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("dask")

tools = ["snn-opt", "snn-run", "snn-interpret", "snn-translate", "snn-target", "snn-compile",
         "snn-asm"]
llvm_config.add_tool_substitutions(tools, [config.spikestack_tools_dir])
