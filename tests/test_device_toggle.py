"""The CUDA toggle: its cell in every notebook, the environment override, and the fallback without a GPU."""

import os

import papermill
import pytest
import torch

from tests import nbrun
from utils import device as devices


def lines():
    said = []
    return said, said.append


def test_auto_on_this_machine_picks_what_torch_sees():
    said, announce = lines()
    device = devices.choose_device("auto", environ={}, announce=announce)
    expected = "cuda" if torch.cuda.is_available() else "mps" if devices.mps_available() else "cpu"
    assert device.type == expected and said == [f"Device in use: {device}"]


def test_auto_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert devices.choose_device("auto", environ={}, announce=lambda s: None).type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(devices, "mps_available", lambda: True)
    assert devices.choose_device("auto", environ={}, announce=lambda s: None).type == "mps"


@pytest.mark.parametrize("asked", ["cuda", "cuda:0", "mps"])
def test_missing_accelerator_falls_back_to_cpu_with_one_clear_line(monkeypatch, asked):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(devices, "mps_available", lambda: False)
    said, announce = lines()
    assert devices.choose_device(asked, environ={}, announce=announce) == torch.device("cpu")
    assert len(said) == 2 and said[1] == "Device in use: cpu"
    assert said[0].startswith(f'DEVICE asked for "{asked}", but ') and said[0].endswith("falling back to the CPU.")
    assert "CUDA" in said[0] and "mps" in said[0]  # says what was found


def test_gpu_index_beyond_the_count_falls_back(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    said, announce = lines()
    assert devices.choose_device("cuda:3", environ={}, announce=announce).type == "cpu"
    assert "only 1 CUDA GPU(s) exist" in said[0]


def test_environment_variable_chooses_when_the_cell_says_auto():
    said, announce = lines()
    assert devices.choose_device("auto", environ={"COURSE_DEVICE": " CPU "}, announce=announce).type == "cpu"
    assert said == ["Device in use: cpu"]


@pytest.mark.parametrize("named", ["cpu", "CPU ", "mps", "cuda"])
def test_a_device_named_in_the_cell_or_by_papermill_wins_over_the_environment(monkeypatch, named):
    """One precedence: DEVICE (the cell, or papermill's -p DEVICE) > COURSE_DEVICE > auto-detection."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(devices, "mps_available", lambda: False)
    said, announce = lines()
    device = devices.choose_device(named, environ={"COURSE_DEVICE": "tpu-that-would-fail"}, announce=announce)
    assert device.type == "cpu" and said[-1] == "Device in use: cpu"
    assert all("COURSE_DEVICE" not in line for line in said)
    if named.strip().lower() != "cpu":
        assert said[0].startswith(f'DEVICE asked for "{named.strip().lower()}"')


@pytest.mark.parametrize(
    "asked, source, env",
    [("gpu", "DEVICE", {}), ("auto", "COURSE_DEVICE", {"COURSE_DEVICE": "tpu"}), ("cpu:1", "DEVICE", {})],
)
def test_unknown_device_names_the_setting_and_the_choices(asked, source, env):
    with pytest.raises(ValueError) as info:
        devices.choose_device(asked, environ=env, announce=lambda s: None)
    message = str(info.value)
    assert message.startswith(f'{source} = "') and '"auto", "cuda", "mps", "cpu"' in message


@pytest.mark.parametrize("path", nbrun.solution_paths(), ids=lambda p: p.name)
def test_first_code_cell_is_the_toggle(path):
    cells = nbrun.read(path).cells
    first = next(i for i, c in enumerate(cells) if c.cell_type == "code")
    toggle = cells[first]
    assert "parameters" in toggle.metadata.get("tags", []), "the toggle cell must be tagged 'parameters' (papermill)"
    assert 'DEVICE = "auto"' in toggle.source
    assert all(f'"{c}"' in toggle.source for c in devices.CHOICES), "its comment lists the choices"
    assert "COURSE_DEVICE" in toggle.source
    assert any(c.cell_type == "markdown" for c in cells[:first]), "the introduction comes first"
    resolver = next(
        c for c in cells[first + 1 :] if c.cell_type == "code" and "colab-setup" not in c.metadata.get("tags", [])
    )
    assert "devices.choose_device(DEVICE)" in resolver.source, "the next code cell (after Colab's) resolves the device"


def test_papermill_sets_cuda_and_the_notebook_runs_to_the_end_without_a_gpu(tmp_path):
    """Asking for cuda on a CPU-only machine prints one line and never crashes a later cell; and papermill's explicit
    -p DEVICE wins over COURSE_DEVICE, which is set to cpu here (else there would be no fallback line)."""
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the fallback cannot happen here")
    source = nbrun.SOLUTIONS / "01_raw_tensors.ipynb"
    env = nbrun.kernel_env.apply(dict(os.environ))
    env["COURSE_DEVICE"] = "cpu"
    out = tmp_path / "out.ipynb"
    old = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        papermill.execute_notebook(
            str(source),
            str(out),
            parameters={"DEVICE": "cuda"},
            cwd=str(nbrun.SOLUTIONS),
            kernel_name="python3",
            progress_bar=False,
        )
    finally:
        os.environ.clear()
        os.environ.update(old)
    nb = nbrun.read(out)
    text = "".join(nbrun.text_of(c) for c in nb.cells)
    assert 'DEVICE asked for "cuda", but ' in text and "falling back to the CPU." in text
    assert text.count("falling back") == 1 and "Device in use: cpu" in text
    assert "verified: the torch loss after 500 iterations is below 1e-03" in text


def test_environment_variable_reaches_the_notebook():
    nb, failed, error = nbrun.execute(
        nbrun.read(nbrun.SOLUTIONS / "01_raw_tensors.ipynb"), nbrun.SOLUTIONS, env={"COURSE_DEVICE": "quantum"}
    )
    toggle = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    resolver = next(i for i in range(toggle + 1, len(nb.cells)) if "choose_device(" in nb.cells[i].source)
    assert error is not None and failed == resolver, "the resolving cell, right after the toggle, must stop the run"
    assert 'ValueError: COURSE_DEVICE = "quantum" is not a device this course knows' in nbrun.text_of(nb.cells[failed])
