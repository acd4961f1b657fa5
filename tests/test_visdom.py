"""The Visdom server, and visdom's own client wrapped by utils.live, against the real thing: a server per test."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
import torch

from tests import browser
from tests.visdom_server import Server
from utils import live
from utils.ports import free_port


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


def visdom_client(port, env):
    """Returns a plain Visdom client (not the course's wrapper) for the server at 127.0.0.1:port."""
    from visdom import Visdom

    return Visdom(server="http://127.0.0.1", port=port, env=env, raise_exceptions=True, use_incoming_socket=False)


def read_line(port, env, win):
    """Returns the ys of a line window, read with a plain Visdom client (not the course's helper)."""
    return json.loads(visdom_client(port, env).get_window_data(win=win, env=env))["content"]["data"][0]["y"]


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


chromium = browser.chromium


CHROMIUM_FLAGS = ["--headless", *browser.FLAGS, "--window-size=1280,900", "--virtual-time-budget=10000"]


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
    """The notebook logs to a real server; its windows, read back through the API, hold what it computed."""
    from nbformat.v4 import new_code_cell

    from tests import nbrun

    nb = nbrun.read(nbrun.SOLUTIONS / "08_visdom.ipynb")
    last_training = max(i for i, c in enumerate(nb.cells) if "history.append(" in c.source)
    readback = (
        "import json\nprint('HISTORY=' + json.dumps(history))\n"
        "print('SERVER=' + json.dumps([vis.read_back('curves', trace=n) for n in ('train', 'validation')]))"
    )
    nb.cells.insert(last_training + 1, new_code_cell(readback))
    nb, failed, error = nbrun.execute(nb, nbrun.SOLUTIONS, env={"COURSE_VISDOM_PORT": str(shared_server.port)})
    assert error is None, f"cell {failed} failed:\n{error}"
    text = "".join(nbrun.text_of(c) for c in nb.cells)
    assert f"Logging to Visdom: open {shared_server.url}/env/course_08 in your browser." in text
    assert "stopped answering" not in text and "back-end in use: visdom" in text and "new session" not in text
    for line in (
        "check passed: log_loss grows one line",
        "check passed: show_status keeps one text pane",
        "check passed: log_evaluation returns the validation loss",
        "verified: the 'loss' window's y values matches the 200 losses computed",
        "Challenge reached",
    ):
        assert line in text, line
    history = json.loads(text.split("HISTORY=")[1].splitlines()[0])
    steps, train, val = (list(column) for column in zip(*history))
    (train_xs, train_ys), (val_xs, val_ys) = json.loads(text.split("SERVER=")[1].splitlines()[0])
    assert steps == [*range(0, 200, 10), 199] == train_xs == val_xs and train_ys == train and val_ys == val
    # the challenge ran last: it closed section 4's windows and logged its own curves, every 20 steps
    client = visdom_client(shared_server.port, "course_08")
    curves = json.loads(client.get_window_data(win="curves", env="course_08"))["content"]["data"]
    assert [c["name"] for c in curves] == ["train", "validation"] and len(curves[0]["y"]) == 11


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


def test_the_course_copy_of_each_window_is_what_the_server_holds(shared_server):
    """Named lines, a legend, bars, text and a replace on a missing window: the copy kept matches the server."""
    vis, _ = start(shared_server.port, "copy")
    for t in range(4):
        vis.line(X=[t], Y=[1.0 / (t + 1)], win="curves", name="train", update="append")
        vis.line(X=[t], Y=[2.0 / (t + 1)], win="curves", name="validation", update="append")
        vis.line(X=[[t, t]], Y=[[t, 2.0 * t]], win="both", update="append", opts={"legend": ["a", "b"]})
        vis.line(X=[t], Y=[3.0 * t], win="single", update="append")
    vis.bar(X=[0.5, 0.25, 1.0], win="bars", opts={"rownames": ["x", "y", "z"]})
    vis.text("one", win="log")
    vis.text("two", win="log", append=True)
    vis.line(X=[0], Y=[1.0], win="never", update="replace")  # Visdom ignores it: there is no such window
    assert vis.backend == "visdom"
    for win, names in (("curves", ["train", "validation"]), ("both", ["a", "b"]), ("single", ["1"])):
        window = vis.window(win)
        assert list(window.traces) == names
        for name in names:
            assert vis.read_back(win, trace=name) == (window.traces[name].xs, window.traces[name].ys), (win, name)
    assert vis.read_back("bars") == [0.5, 0.25, 1.0] == vis.window("bars").values.ravel().tolist()
    assert vis.read_back("log") == "one<br>two" == vis.window("log").text
    assert vis.read_back("never") is None and vis.window("never") is None
    with pytest.raises(ValueError, match="without name= changes every line of window 'curves'"):
        vis.line(X=[9], Y=[9.0], win="curves", update="append")  # the server would fail on it


def test_a_server_restarted_after_ctrl_c_shows_the_saved_windows(tmp_path):
    """What question 3 of notebook 08 says: Ctrl+C saves every environment, and a new server reads them back."""
    first = Server(tmp_path)
    try:
        vis, _ = start(first.port, "restart")
        for t in range(3):
            log_loss(vis, t, 1.0 / (t + 1))
    finally:
        first.stop()
    log_loss(vis, 3, 0.25)  # the server is gone: this point goes to the inline copy only
    assert vis.backend == "inline" and vis.read_back("loss")[1] == [1.0, 0.5, 1.0 / 3, 0.25]
    (tmp_path / "port").unlink()
    second = Server(tmp_path)
    try:
        assert read_line(second.port, "restart", "loss") == [1.0, 0.5, 1.0 / 3]
    finally:
        second.stop()


# The course's client without a server: inline plots, bounded in time


def inline_vis(drawn, clock=None):
    """Returns a SafeVisdom that plots inline into `drawn` (a list of the figures displayed)."""
    from utils.inline_plots import InlinePlots
    from utils.safe_visdom import SafeVisdom

    kwargs = {"clock": clock} if clock else {}
    plots = InlinePlots(display=lambda figure, **_: drawn.append(len(figure.axes)), **kwargs)
    return SafeVisdom(None, announce=lambda line: None, inline=plots)


def test_a_window_id_that_changes_200_times_costs_seconds_not_minutes():
    from utils.inline_plots import MAX_PANELS

    drawn = []
    vis = inline_vis(drawn)
    begin = time.perf_counter()
    for t in range(200):
        vis.line(X=[t], Y=[1.0 / (t + 1)], win=f"loss{t}", update="append")
    live.draw_inline(vis)
    assert time.perf_counter() - begin < 10
    assert drawn and all(panels <= MAX_PANELS for panels in drawn)
    assert "194 more windows, not drawn: loss6, loss7, loss8, ..." in vis.inline.figure._suptitle.get_text()


def test_inline_plots_redraw_at_most_every_interval_and_cost_at_most_a_fifth():
    from utils.inline_plots import InlinePlots

    now, drawn, cost = [0.0], [], [0.0]

    def display(figure, **_):  # a drawing that takes `cost` seconds on the test's clock
        drawn.append(now[0])
        now[0] += cost[0]

    plots = InlinePlots(display=display, clock=lambda: now[0])
    windows = {}
    for t in range(100):  # one call every 0.1 s for 10 s, drawing takes no time: every 2 s, the interval
        now[0] = t * 0.1
        plots.updated(windows)
    assert len(drawn) == 4, drawn
    drawn[:], cost[0], plots.interval = [], 1.0, 0.0
    for _ in range(100):  # drawing now takes 1 s: at most one every 5 s, so a fifth of the time at most
        now[0] += 0.1
        plots.updated(windows)
    assert len(drawn) == 2 and drawn[1] - drawn[0] >= 5 + 1, drawn  # 1 s drawing, then 5 s of calls


def test_each_window_kind_is_drawn_inline():
    drawn = []
    vis = inline_vis(drawn)
    vis.line(X=[0, 1], Y=[1.0, 0.5], win="curves", name="train")
    vis.line(X=[0, 1], Y=[1.5, 1.0], win="curves", name="validation", update="append")
    vis.bar(X=[0.5, 1.0, 0.75], win="bars", opts={"rownames": ["a", "b", "c"]})
    vis.text("status", win="status")
    vis.histogram(X=[0.1, 0.2, 0.2], win="hist")
    vis.image(np.zeros((8, 8)), win="image")
    live.draw_inline(vis)
    assert drawn == [5]
    axes = vis.inline.figure.axes
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["train", "validation"]
    assert [t.get_text() for t in axes[1].get_xticklabels()] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda vis: vis.bar(X=[0.5, 1.0], win="b", opts={"rownames": ["a"]}), "2 bars but 1 labels"),
        (lambda vis: vis.bar(X=np.zeros((2, 2, 2)), win="b"), "visdom's bar takes N or (N, M) heights"),
        (lambda vis: vis.line(X=[[0, 0]], Y=[[1.0, 2.0]], win="w", name="a"), "name= names one line"),
        (lambda vis: vis.line(X=[0, 1], Y=[1.0], win="w"), "X has shape (2,) but Y has shape (1,)"),
        (lambda vis: vis.line(X=[0], Y=[torch.ones((), device="meta")], win="w"), "a tensor on meta"),
        (lambda vis: vis.line(X=[0], Y=["one"], win="w"), "Y cannot be read as numbers"),
        (lambda vis: vis.line(X=[0], Y=[1.0], win="w", update="insert"), "takes None, 'append' or 'replace'"),
    ],
    ids=["bar-labels", "bar-3d", "name-with-columns", "x-y-shapes", "list-of-device-tensors", "text", "update"],
)
def test_calls_visdom_would_refuse_are_refused_before_anything_is_kept(call, message):
    from utils.safe_visdom import SafeVisdom

    vis = SafeVisdom(None, announce=lambda line: None, inline=type("NoPlots", (), {"updated": print})())
    with pytest.raises((TypeError, ValueError), match=re.escape(message)):
        call(vis)
    assert vis.windows == {}
