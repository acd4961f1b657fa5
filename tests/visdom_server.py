"""A real Visdom server for tests: tools/visdom_server.py on a free loopback port, in a temporary folder."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.nbrun import ROOT
from utils.ports import free_port


class Server:
    def __init__(self, folder, port=0, args=(), env=None):
        self.env_path, port_file = Path(folder) / "envs", Path(folder) / "port"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tools.visdom_server",
                "--port",
                str(port or free_port()),
                "--env-path",
                str(self.env_path),
                "--port-file",
                str(port_file),
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
        )
        deadline = time.time() + 30
        while not port_file.exists():
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError(f"the Visdom server did not start:\n{self.proc.stdout.read()}")
            time.sleep(0.1)
        self.port = int(port_file.read_text())
        self.url = f"http://127.0.0.1:{self.port}"

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self):
        """Returns what the server printed, after stopping it with Ctrl+C (SIGINT), or SIGKILL if it hangs."""
        if self.proc.poll() is None:
            self.signal(signal.SIGCONT)
            self.signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.proc.wait()
        return self.proc.stdout.read()
