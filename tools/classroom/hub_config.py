"""The hub's settings: written by `course.py classroom` into hub/settings.json, read by jupyterhub_config.py.

JupyterHub reads a Python config file (tools/classroom/jupyterhub_config.py, the same for every classroom); the
settings that change from one classroom to another (ports, users, folders) travel beside it as JSON, in the
classroom's private folder. No secret is in either: JupyterHub makes its cookie secret and the proxy's token itself
(the token reaches the proxy through its environment), and the password hashes are in their own file.
"""

import json
import sys
from pathlib import Path

from tools import kernel_env
from tools.classroom import passwords, proxy

CONFIG_FILE = Path(__file__).resolve().parent / "jupyterhub_config.py"
SETTINGS_VAR = "COURSE_CLASSROOM_SETTINGS"


def settings(
    *,
    state,
    port,
    hub_port,
    proxy_api_port,
    students,
    instructor,
    memory_limit,
    python=sys.executable,
    python_env=None,
    proxy_cmd=None,
):
    """Returns the settings dict (JSON-ready) of a classroom whose private folder is `state`.

    `python` is what students' processes run (tools/classroom/python.py), `python_env` the variables it needs.
    """
    hub = Path(state) / "hub"
    return {
        "port": port,
        "hub_port": hub_port,
        "proxy_api_port": proxy_api_port,
        "proxy_command": str(proxy_cmd or proxy.command()),
        "hub_dir": str(hub),
        "hashes_file": str(hub / "password-hashes.json"),
        "students": sorted(students),
        "instructor": instructor,
        "python": str(python),
        "memory_limit": int(memory_limit),
        # every kernel gets the course's settings; one thread each also shares the cores fairly between students
        "kernel_env": {**kernel_env.SETTINGS, **(python_env or {})},
    }


def write(values, state):
    """Writes the settings into `state`/hub/settings.json (mode 0600); returns its path."""
    path = Path(state) / "hub" / "settings.json"
    passwords.write_private(path, json.dumps(values, indent=1, sort_keys=True) + "\n")
    return path


def read(path):
    return json.loads(Path(path).read_text())
