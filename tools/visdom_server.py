"""Runs the course's Visdom server: on 127.0.0.1 only, offline, and saving its environments when stopped.

    python3 course.py visdom                 start it on its own (instructors); Ctrl+C stops it and saves
    python3 course.py visdom --port 8098     another port
    python3 course.py visdom --login         ask for a user name and password (VISDOM_USERNAME / VISDOM_PASSWORD)

`python3 course.py start` runs it beside JupyterLab. Unlike `python -m visdom.server`, it never tries to
download web assets from CDNs (setup stages them from the npm registry: tools/visdom_assets.py), and it
never listens beyond 127.0.0.1. A busy port is reported, and a free one used instead.
"""

import argparse
import logging
import os
import secrets
import signal
import sys
from pathlib import Path

from utils.ports import free_port, port_is_free

DEFAULT_PORT = 8097
DEFAULT_ENV_PATH = Path(os.environ.get("COURSE_VISDOM_ENV_PATH", Path.home() / ".cache" / "pytorch-course" / "visdom"))


def login_credential(environ):
    """Returns visdom's user credential from VISDOM_USERNAME and VISDOM_PASSWORD, creating its cookie secret."""
    from visdom.server.defaults import DEFAULT_ENV_PATH as VISDOM_HOME
    from visdom.utils.server_utils import hash_password

    username, password = environ.get("VISDOM_USERNAME"), environ.get("VISDOM_PASSWORD")
    if not username or not password:
        raise SystemExit("[visdom] --login needs the environment variables VISDOM_USERNAME and VISDOM_PASSWORD.")
    secret = Path(VISDOM_HOME) / "COOKIE_SECRET"
    if not secret.exists():
        secret.parent.mkdir(parents=True, exist_ok=True)
        secret.write_text(secrets.token_hex(32))
        secret.chmod(0o600)
    return {"username": username, "password": hash_password(hash_password(password))}


def serve(port, env_path, credential=None, port_file=None):
    """Runs the server until SIGINT or SIGTERM, then saves every environment; returns the exit status."""
    import tornado.ioloop
    from visdom.server import app as app_module
    from visdom.utils.server_utils import serialize_all

    from tools import visdom_assets

    if visdom_assets.missing():
        print(
            "[visdom] warning: the dashboard's web assets are missing, so its pages will be blank. "
            "Run `python3 course.py setup` (it needs npm).",
            flush=True,
        )
    env_path.mkdir(parents=True, exist_ok=True)
    if not port_is_free(port):
        new = free_port()
        print(
            f"[visdom] port {port} is busy (another program, maybe another Visdom, uses it): using port {new} instead.",
            flush=True,
        )
        port = new
    # visdom's Application turns on tornado's debug mode, whose autoreload would restart the server (losing what it
    # holds) whenever an imported file changes, and whose error pages show tracebacks. Tornado's documented
    # settings turn both off: visdom passes its module-level `tornado_settings` to tornado, and an explicit
    # autoreload=False there wins over the default that debug mode implies.
    app_module.tornado_settings.update(autoreload=False, serve_traceback=False)
    app = app_module.Application(port=port, env_path=f"{env_path}{os.sep}", user_credential=credential)
    app.listen(port, address="127.0.0.1", max_buffer_size=1024**3)
    loop = tornado.ioloop.IOLoop.current()

    def shutdown():
        serialize_all(app.state, env_path=str(env_path))
        print(f"[visdom] stopped; environments saved in {env_path}", flush=True)
        loop.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: loop.add_callback_from_signal(shutdown))
    print(f"[visdom] dashboard: http://127.0.0.1:{port}  (environments in {env_path})", flush=True)
    if port_file:
        Path(port_file).write_text(str(port))
    loop.start()
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog="course.py visdom", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--env-path", type=Path, default=DEFAULT_ENV_PATH)
    parser.add_argument("--login", action="store_true", help="require VISDOM_USERNAME / VISDOM_PASSWORD")
    parser.add_argument("--port-file", help="write the port in use to this file once listening")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)  # this process's own logging: tornado's access log stays quiet
    credential = login_credential(os.environ) if args.login else None
    return serve(args.port, args.env_path, credential, args.port_file)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
