"""The Visdom server, and visdom's own client wrapped by utils.live, against the real thing: a server per test."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.visdom_server import Server
from tools.ports import free_port
from utils import live


@pytest.fixture
def server(tmp_path):
    """A server of the test's own, for tests that stop, kill or freeze it."""
    s = Server(tmp_path)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One server for the tests that only log to it (each in its own environment)."""
    s = Server(tmp_path_factory.mktemp("visdom"))
    yield s
    s.stop()


def read_line(port, env, win):
    """Returns the ys of a line window, read with a plain Visdom client (not the course's helper)."""
    from visdom import Visdom

    vis = Visdom(server="http://127.0.0.1", port=port, env=env, raise_exceptions=True, use_incoming_socket=False)
    return json.loads(vis.get_window_data(win=win, env=env))["content"]["data"][0]["y"]


def client_for(env):
    """Returns a make_client for live.connect, as notebook 08 writes it: visdom's own client."""
    from visdom import Visdom

    def make_client(port):
        return Visdom(
            server="http://127.0.0.1",
            port=port,
            env=env,
            raise_exceptions=True,
            use_incoming_socket=False,
            username=os.environ.get("VISDOM_USERNAME"),
            password=os.environ.get("VISDOM_PASSWORD"),
        )

    return make_client


def start(port, env):
    said = []
    return live.connect(client_for(env), port=port, timeout=1.0, announce=said.append), said


def log_loss(vis, t, value, **opts):
    vis.line(X=[t], Y=[value], win="loss", update="append", **opts)


def test_server_listens_on_loopback_only(shared_server):
    listening = [
        c.laddr
        for c in psutil.Process(shared_server.proc.pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    ]
    assert listening and all(a.ip == "127.0.0.1" for a in listening), listening


def test_busy_port_is_reported_and_a_free_one_used(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        s = Server(tmp_path, port=taken)
        output = s.stop()
    assert s.port != taken
    assert f"port {taken} is busy" in output and f"using port {s.port} instead" in output
    assert f"dashboard: http://127.0.0.1:{s.port}" in output


def test_logged_points_read_back_through_the_api(shared_server):
    vis, said = start(shared_server.port, "readback")
    values = [1.0 / (i + 1) for i in range(25)]
    for i, v in enumerate(values):
        log_loss(vis, i, v)
    assert said == [f"Logging to Visdom: open {shared_server.url}/env/readback in your browser."]
    assert vis.backend == "visdom" and read_line(shared_server.port, "readback", "loss") == values
    vis.text("first", win="status")
    vis.text("second", win="status")
    assert vis.read_back("status") == "second"
    vis.close(win=None)
    assert vis.windows == {} and "loss" not in json.loads(vis.client.get_window_data(env="readback"))


def test_ctrl_c_saves_the_environments(server):
    vis, _ = start(server.port, "saved")
    log_loss(vis, 0, 3.0)
    output = server.stop()
    assert "environments saved" in output
    saved = json.loads((server.env_path / "saved.json").read_text())
    assert "loss" in saved["jsons"]


def train_and_log(vis, steps, disrupt_at, disrupt):
    values = []
    for i in range(steps):
        if i == disrupt_at:
            disrupt()
        values.append(100.0 / (i + 1))
        log_loss(vis, i, values[-1])
    return values


def test_server_killed_mid_training_loses_no_point(server, capsys):
    vis, said = start(server.port, "killed")
    begin = time.perf_counter()
    values = train_and_log(vis, 100, 43, lambda: (server.signal(signal.SIGKILL), server.proc.wait()))
    assert time.perf_counter() - begin < 5
    assert vis.backend == "inline" and vis.read_back("loss")[1] == values
    switches = [s for s in said if "stopped answering" in s]
    # each call goes out at once: the one for point 43 fails, and the 44 points logged by then are all kept
    assert len(switches) == 1 and "switching to inline plots; all 44 points logged so far are kept" in switches[0]
    assert "Error connecting" not in capsys.readouterr().out, "visdom's own error prints must not reach the cell"


def test_frozen_server_never_hangs(server):
    vis, said = start(server.port, "frozen")
    begin = time.perf_counter()
    values = train_and_log(vis, 60, 20, lambda: server.signal(signal.SIGSTOP))
    vis.histogram(X=[0.1, 0.2], win="weights")
    vis.text("done", win="status")
    assert time.perf_counter() - begin < 4, "a frozen server must cost one timeout (1 s), not one per call"
    assert vis.backend == "inline" and vis.read_back("loss")[1] == values and vis.read_back("status") == "done"
    assert sum("stopped answering" in s for s in said) == 1


def test_no_server_falls_back_at_once():
    port = free_port()
    begin = time.perf_counter()
    vis, said = start(port, "none")
    assert time.perf_counter() - begin < 1.5
    assert vis.backend == "inline"
    assert said == [
        f"No Visdom server answers at http://127.0.0.1:{port} (connection refused): plotting inline "
        "instead. Start one with `python3 course.py visdom`, then run this cell again."
    ]


def test_server_frozen_before_start_falls_back_in_bounded_time(server):
    server.signal(signal.SIGSTOP)
    begin = time.perf_counter()
    vis, said = start(server.port, "frozen-start")
    assert time.perf_counter() - begin < 2.5 and vis.backend == "inline"
    assert "(no answer in time)" in said[0]


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
    "--virtual-time-budget=10000",
]


@pytest.mark.skipif(not chromium(), reason="no Chromium: `python3 course.py test` installs it where it can (apt-get)")
def test_dashboard_renders_the_plot_in_headless_chromium(shared_server, tmp_path):
    vis, _ = start(shared_server.port, "browser")
    for i in range(30):
        log_loss(vis, i, 10.0 / (i + 1), opts={"title": "training loss"})
    vis.text("rendered by the course test", win="status")
    url = f"{shared_server.url}/env/browser"
    base = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=90).stdout
    assert "main-svg" in dom, "plotly drew no SVG: are the dashboard's assets staged?"
    assert "training loss" in dom and "rendered by the course test" in dom
    shot = tmp_path / "dashboard.png"
    subprocess.run([*base, f"--screenshot={shot}", url], capture_output=True, timeout=90)
    assert shot.stat().st_size > 10_000


def test_notebook_08_plots_exactly_the_losses_it_computed(shared_server):
    """The notebook logs to a real server; the windows, read back through the API, hold its losses."""
    from nbformat.v4 import new_code_cell

    from tests import nbrun

    nb = nbrun.read(nbrun.SOLUTIONS / "08_visdom.ipynb")
    nb.cells.append(new_code_cell("import json; print('LOSSES=' + json.dumps(losses))"))
    nb, failed, error = nbrun.execute(nb, nbrun.SOLUTIONS, env={"COURSE_VISDOM_PORT": str(shared_server.port)})
    assert error is None, f"cell {failed} failed:\n{error}"
    text = "".join(nbrun.text_of(c) for c in nb.cells)
    assert f"Logging to Visdom: open {shared_server.url}/env/course_08 in your browser." in text
    assert "stopped answering" not in text and "back-end in use: visdom" in text and "new session" not in text
    assert "check passed: the window 'loss' holds the 200 losses" in text and "check passed: one text pane" in text
    losses = json.loads(text.split("LOSSES=")[1].splitlines()[0])
    assert len(losses) == 200 and read_line(shared_server.port, "course_08", "loss") == losses


def test_login_keeps_out_clients_without_the_password(tmp_path, monkeypatch):
    credentials = {"VISDOM_USERNAME": "teacher", "VISDOM_PASSWORD": "s3cret-for-tests", "HOME": str(tmp_path)}
    s = Server(tmp_path, args=["--login"], env=credentials)
    try:
        for name in ("VISDOM_USERNAME", "VISDOM_PASSWORD"):
            monkeypatch.delenv(name, raising=False)
        vis, said = start(s.port, "private")
        assert vis.backend == "inline", "a client without the password must not write to the dashboard"
        assert said == [
            f"The Visdom server at {s.url} requires a login: set VISDOM_USERNAME and VISDOM_PASSWORD "
            "where JupyterLab runs, and restart the kernel. Plotting inline instead."
        ]
        monkeypatch.setenv("VISDOM_USERNAME", "teacher")
        monkeypatch.setenv("VISDOM_PASSWORD", "wrong")
        vis, said = start(s.port, "private")
        assert vis.backend == "inline" and "refused the login" in said[0], said
        for name in ("VISDOM_USERNAME", "VISDOM_PASSWORD"):
            monkeypatch.setenv(name, credentials[name])
        vis, said = start(s.port, "private")
        log_loss(vis, 0, 1.0)
        assert vis.backend == "visdom" and vis.read_back("loss")[1] == [1.0], said
    finally:
        s.stop()


def test_login_without_credentials_says_what_to_set(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tools.visdom_server", "--login", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=live.__file__.rsplit("/utils/", 1)[0],
        env={k: v for k, v in os.environ.items() if not k.startswith("VISDOM_")},
    )
    assert result.returncode != 0
    assert "--login needs the environment variables VISDOM_USERNAME and VISDOM_PASSWORD" in result.stderr


def test_a_proxy_setting_never_carries_the_dashboard_traffic(shared_server, monkeypatch):
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    proxy = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("HTTP_PROXY", proxy)
    vis, said = start(shared_server.port, "proxied")
    assert vis.backend == "inline" and said == [
        f"The proxy {proxy} set in the environment would carry the traffic to {shared_server.url}: set "
        "NO_PROXY=127.0.0.1,localhost where JupyterLab runs, and restart the kernel. Plotting inline instead."
    ]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    vis, said = start(shared_server.port, "proxied")
    log_loss(vis, 0, 1.0)
    assert vis.backend == "visdom" and read_line(shared_server.port, "proxied", "loss") == [1.0]


def test_connect_insists_on_a_client_that_raises_and_has_no_socket_thread(shared_server):
    from visdom import Visdom

    with pytest.raises(ValueError, match="raise_exceptions=True, use_incoming_socket=False"):
        live.connect(
            lambda port: Visdom(server="http://127.0.0.1", port=port, env="x", use_incoming_socket=False),
            port=shared_server.port,
            announce=lambda s: None,
        )
    with pytest.raises(ValueError, match="the course's dashboard is http://127.0.0.1"):
        live.connect(
            lambda port: Visdom(
                server="http://localhost", port=port, env="x", raise_exceptions=True, use_incoming_socket=False
            ),
            port=shared_server.port,
            announce=lambda s: None,
        )


def test_server_keeps_its_state_when_a_source_file_changes(server):
    """visdom turns on tornado's autoreload, which would restart the server and lose its windows."""
    vis, _ = start(server.port, "kept")
    log_loss(vis, 0, 2.0)
    os.utime(Path(live.__file__).parent.parent / "tools" / "visdom_assets.py")  # a module the server imported
    time.sleep(1.5)  # autoreload checks every 0.5 s
    assert server.proc.poll() is None and read_line(server.port, "kept", "loss") == [2.0]


def test_the_exercise_checks_read_the_server_back(shared_server):
    """The checks compare what the server holds with what was logged: a window changed behind vis's back fails."""
    from utils import checks, dashboard_checks

    vis, _ = start(shared_server.port, "checked")
    losses = [1.0 / (t + 1) for t in range(5)]
    for t, value in enumerate(losses):
        log_loss(vis, t, value)
    dashboard_checks.check_loss_window(vis, losses)
    vis.client.line(X=[5], Y=[0.1], win="loss", env="checked", update="append")  # another client adds a point
    with pytest.raises(checks.CheckFailed, match="The Visdom server holds other content for 'loss'"):
        dashboard_checks.check_loss_window(vis, losses)
    vis.client.close(win="loss", env="checked")
    with pytest.raises(checks.CheckFailed, match="holds other content for 'loss' than was logged in this run: None"):
        dashboard_checks.check_loss_window(vis, losses)
