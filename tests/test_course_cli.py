"""course.py: the README's commands. Set-up is reused, and `start` serves the course on 127.0.0.1 only."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

import course
from tests.jupyter_api import wait_for_json
from tests.nbrun import ROOT
from utils.ports import free_port


def test_no_command_prints_the_usage():
    result = subprocess.run([sys.executable, str(ROOT / "course.py")], capture_output=True, text=True)
    assert result.returncode == 2 and "course.py start" in result.stdout and "course.py test" in result.stdout


def test_second_setup_reuses_the_environment():
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "course.py"), "setup"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "installing" not in result.stdout, "set-up ran again although requirements.txt did not change"
    assert time.perf_counter() - start < 10
    assert course.STAMP.read_text().strip() == course.wanted_fingerprint()


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "python3 course.py test" in ci and "python3 course.py test" in readme
    assert "python3 course.py start" in readme


def listening_ports(process):
    return [c.laddr for c in process.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]


def test_start_serves_the_notebooks_and_visdom_on_localhost_only(tmp_path):
    port, token = free_port(), "course-test-token"
    runtime_dir = tmp_path / "jupyter-runtime"  # this run's own, so what is left behind is this run's
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        NO_PROXY="127.0.0.1",
        JUPYTER_RUNTIME_DIR=str(runtime_dir),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
        COURSE_WORK_DIR=str(tmp_path / "work"),
        COURSE_VISDOM_ENV_PATH=str(tmp_path / "visdom"),
        COURSE_VISDOM_PORT=str(free_port()),  # never 8097, where another test's notebook 08 may look
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "course.py"),
            "start",
            "--no-browser",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        listing = wait_for_json(proc, f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}")
        assert list(runtime_dir.glob("jpserver-*.json")), "the server's runtime file is where the test looks"
        names = {item["name"] for item in listing["content"]}
        assert {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} <= names
        processes = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        listening = [addr for p in processes for addr in listening_ports(p)]
        assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening
        visdom = next(p for p in processes if "tools.visdom_server" in p.cmdline())
        visdom_port = listening_ports(visdom)[0].port
        with urllib.request.urlopen(f"http://127.0.0.1:{visdom_port}/", timeout=5) as response:
            assert response.status == 200 and b"visdom" in response.read().lower()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            for p in [*psutil.Process(proc.pid).children(recursive=True), psutil.Process(proc.pid)]:
                p.kill()  # JupyterLab and Visdom run in sessions of their own: killpg would miss them
            pytest.fail("the course did not stop on Ctrl+C within 20 s")
    assert proc.returncode == 0, proc.stdout.read().decode()
    assert not visdom.is_running(), "Visdom must stop with the course"
    left = [p.name for p in runtime_dir.glob("*") if p.name.startswith(("jpserver-", "kernel-"))]
    assert not left, f"Jupyter left its runtime files (the token among them): {left}"
    assert (tmp_path / "visdom" / "main.json").exists(), "Visdom saves its environments when it stops"
