"""`python3 course.py start --lang ko` serves the Korean edition, with JupyterLab in Korean for that start only."""

import json
import os
import signal
import subprocess
import sys
import urllib.request

import psutil
import pytest

import course
from tests.jupyter_api import get_json, wait_for_json
from tests.nbrun import ROOT
from utils.ports import free_port


def test_the_language_option_is_taken_out_of_jupyterlab_s_arguments():
    assert course.language_option(["--no-browser", "--lang", "ko", "--ServerApp.port=1"]) == (
        "ko",
        ["--no-browser", "--ServerApp.port=1"],
    )
    assert course.language_option(["--no-browser"]) == ("en", ["--no-browser"])
    with pytest.raises(SystemExit):
        course.language_option(["--lang", "xx"])


def test_an_english_start_gets_no_settings_of_its_own_and_a_korean_one_the_locale(tmp_path):
    assert course.lab_settings_for("en", tmp_path) is None
    folder = course.lab_settings_for("ko", tmp_path)
    overrides = {}
    for path in sorted((folder / "overrides.d").glob("*.json")):
        overrides.update(json.loads(path.read_text()))
    assert overrides[course.LOCALE_SETTING] == {"locale": "ko_KR"}
    assert all(overrides[key] == value for key, value in course.LAB_SETTINGS.items()), "the course's own settings kept"


def test_start_in_korean_serves_the_korean_notebooks_with_jupyterlab_in_korean(tmp_path):
    port, token = free_port(), "course-test-token"
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        NO_PROXY="127.0.0.1",
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
        COURSE_WORK_DIR=str(tmp_path / "work"),
        COURSE_VISDOM_ENV_PATH=str(tmp_path / "visdom"),
        COURSE_VISDOM_PORT=str(free_port()),  # never 8097, where another test's notebook 08 may look
    )
    command = [sys.executable, str(ROOT / "course.py"), "start", "--lang", "ko", "--no-browser"]
    command += [f"--ServerApp.port={port}", f"--IdentityProvider.token={token}"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        listing = wait_for_json(proc, f"{base}/api/contents/notebooks/ko?token={token}")
        names = {item["name"] for item in listing["content"]}
        assert {p.name for p in (ROOT / "notebooks" / "ko").glob("*.ipynb")} <= names and names
        setting = get_json(f"{base}/lab/api/settings/{course.LOCALE_SETTING}?token={token}")
        locale = setting["schema"]["properties"]["locale"]["default"]  # the override is the default; a user's wins
        assert locale == "ko_KR", setting["schema"]["properties"]["locale"]
        languages = get_json(f"{base}/lab/api/translations/?token={token}")["data"]
        assert "ko_KR" in languages, sorted(languages)
        with urllib.request.urlopen(f"{base}/?token={token}", timeout=5) as page:
            assert "/lab/tree/notebooks/ko" in page.url, f"the start page is {page.url}"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            for p in [*psutil.Process(proc.pid).children(recursive=True), psutil.Process(proc.pid)]:
                p.kill()
            pytest.fail("the course did not stop on Ctrl+C within 20 s")
    assert proc.returncode == 0, proc.stdout.read().decode()
