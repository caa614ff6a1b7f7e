"""The installed spikestack package (test/Python/package.test installs it
into a fresh virtual environment, then runs pytest on this file from
outside the source tree).

Expected values come from independent paths: PyTorch's logits shipped
with the model, and snn-run (the command-line executor) on the same
program; error paths check the message a user sees.
"""
import json
import os
import subprocess

import numpy as np
import pytest

import spikestack
from spikestack import _native

DATA = os.environ["SPIKESTACK_TESTDATA"]
MODEL = os.path.join(DATA, "models", "spikformer-c1-128")


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    out = tmp_path_factory.mktemp("prog") / "model.snnp"
    return spikestack.compile(MODEL + ".onnx", target="3d-mol", output=out,
                              verbose=False)


@pytest.fixture(scope="module")
def image():
    return np.load(MODEL + ".input.npy")


def test_installed_not_source_tree():
    assert "site-packages" in spikestack.__file__
    assert "site-packages" in _native.runtime().__file__


def test_run_matches_pytorch_and_snn_run(program, image, tmp_path):
    outputs, report = program.run({"image": image})
    logits = outputs["logits"]
    torch_logits = np.load(MODEL + ".logits.npy")
    assert logits.shape == torch_logits.shape
    assert logits.argmax(-1).tolist() == torch_logits.argmax(-1).tolist()
    assert np.abs(logits - torch_logits).max() < 0.1  # int8 weights
    # snn-run on the same program: the same bytes and the same report.
    out_dir, rep = tmp_path / "out", tmp_path / "r.json"
    subprocess.run([_native.tool("snn-run"), program.path, "--input",
                    f"image={MODEL}.input.npy", "--output-dir", str(out_dir),
                    "--report", str(rep), "--quiet"], check=True)
    assert np.array_equal(np.load(out_dir / "logits.npy"), logits)
    cli = json.loads(rep.read_text())
    assert report.cycles == cli["cycles"]
    assert report.energy_pj == pytest.approx(cli["energy_pj"]["total"],
                                             rel=1e-12)
    assert report.to_dict()["counters"] == cli["counters"]
    assert report.energy_by_tier.keys() == cli["energy_pj"]["by_tier"].keys()
    assert report.latency_us == pytest.approx(report.cycles / report.clock_mhz)


def test_one_array_float64_and_torch_inputs(program, image):
    a, _ = program.run(image)
    b, _ = program.run(image.astype(np.float64))
    import torch
    c, _ = program.run({"image": torch.from_numpy(image)})
    assert np.array_equal(a["logits"], b["logits"])
    assert np.array_equal(a["logits"], c["logits"])


def test_summary_plot_trace_estimate(program, image, tmp_path):
    _, report = program.run(image, trace=True)
    assert report.summary().startswith("SpikeStack executor: target 3d-mol")
    import matplotlib
    matplotlib.use("Agg")
    fig = report.plot()
    assert len(fig.axes) == 2
    path = tmp_path / "trace.json"
    program.trace(path)
    assert json.loads(path.read_text())["traceEvents"]
    dense = subprocess.run([_native.tool("snn-run"), program.path, "--dense",
                            "--report", str(tmp_path / "d.json"), "--quiet"],
                           check=True)
    assert program.estimate().cycles == json.loads(
        (tmp_path / "d.json").read_text())["cycles"]
    assert "spike_acc" in program.disassemble()
    assert program.inputs == [("image", [1, 3, 32, 32], "f32")]
    assert program.outputs == ["logits"]


def test_corner_changes_energy_only(program, image):
    hot = spikestack.Program.load(program.path, corner="hot")
    _, typical_report = program.run(image)
    _, hot_report = hot.run(image)
    assert hot.corner == "hot"
    assert hot_report.cycles == typical_report.cycles
    assert hot_report.energy_pj > typical_report.energy_pj


def test_errors(program, image, tmp_path):
    with pytest.raises(ValueError, match="cannot read program"):
        spikestack.Program.load("/nonexistent/model.snnp")
    with pytest.raises(ValueError, match="missing input 'image'"):
        program.run({"x": image})
    with pytest.raises(ValueError, match="shape"):
        program.run({"image": image[:, :2]})
    with pytest.raises(ValueError, match="finite"):
        program.run({"image": np.full_like(image, np.nan)})
    with pytest.raises(ValueError, match="unknown corner 'cold'"):
        spikestack.Program.load(program.path, corner="cold")
    with pytest.raises(TypeError, match="unknown option"):
        spikestack.compile(MODEL + ".onnx", bogus=1)
    with pytest.raises(spikestack.CompileError,
                       match=r"--head-keep-ratio must be in \(0, 1\]"):
        spikestack.compile(MODEL + ".onnx", head_keep_ratio=3, verbose=False)
    with pytest.raises(FileNotFoundError):
        spikestack.compile("/nonexistent.onnx")
    with pytest.raises(ValueError, match="no run yet"):
        spikestack.Program.load(program.path).trace(tmp_path / "never.json")


def test_compile_torch_module_and_compare():
    from spikestack import zoo
    model = zoo.build_model("spikformer_tiny", seed=0)
    x = zoo.sample_image(zoo.config("spikformer_tiny"), seed=0)
    prog = spikestack.compile(model, example_input=x, target="2d",
                              verbose=False)
    result = spikestack.compare(prog, model, x.numpy())
    assert result["outputs"].shape == result["reference"].shape == (1, 10)
    assert np.isfinite(result["max_abs_diff"])
    assert result["report"].target == "2d"
    # The same comparison by hand.
    ours, _ = prog.run(x.numpy())
    assert np.array_equal(ours["logits"], result["outputs"])


def test_compile_nir():
    nir = os.path.join(DATA, "nir", "cnn_sinabs.nir")
    prog = spikestack.compile(nir, target="3d-mol", nir_time_steps=4,
                              verbose=False)
    assert prog.inputs == [("input", [4, 1, 2, 34, 34], "f32")]
    x = (np.random.default_rng(0).random((4, 1, 2, 34, 34)) < 0.3)
    outputs, report = prog.run(x.astype(np.float32))
    assert outputs["output"].shape == (4, 1, 10)
    assert report.cycles > 0


def test_dse_from_the_installed_package(tmp_path):
    """spikestack.dse ships with the package: a one-point sweep and its
    report (the sweeps themselves: test_dse.py)."""
    import subprocess
    import sys
    sweep = tmp_path / "one.yaml"
    sweep.write_text(f"models:\n  - {{onnx: {DATA}/models/spikformer-c1-128"
                     ".onnx}\naxes: {stacking: [3d-lol]}\n")
    db = str(tmp_path / "one.sqlite")
    subprocess.run([sys.executable, "-m", "spikestack.dse", str(sweep),
                    "--db", db, "--workers", "1", "--no-progress"],
                   check=True, cwd=tmp_path)
    text = subprocess.run([sys.executable, "-m", "spikestack.dse", "report",
                           db], check=True, stdout=subprocess.PIPE,
                          text=True, cwd=tmp_path).stdout
    assert "## spikformer-c1-128" in text and "1 point: 1 evaluated" in text
