"""Talking to a JupyterLab that a test started: its REST API, once it answers."""

import json
import time
import urllib.request


def get_json(url, timeout=5):
    """Returns the JSON document at `url`."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def wait_for_json(proc, url, seconds=60):
    """Returns the JSON document at `url` as soon as the server answers; fails if `proc` ends or `seconds` pass."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            return get_json(url, timeout=2)
        except OSError:
            assert proc.poll() is None, proc.stdout.read().decode()
            time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer within {seconds} s")
