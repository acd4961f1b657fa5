#!/usr/bin/env python3
"""The course's one entry point. Standard library only: it runs before anything is installed.

    python3 course.py start      set up (first time only) and open JupyterLab on the course, on 127.0.0.1
                                 (--lang ko: on the Korean edition, notebooks/ko, with JupyterLab in Korean)
    python3 course.py test       set up (first time only) and run the whole test suite
    python3 course.py students   regenerate notebooks/ (student versions) from solutions/
    python3 course.py refresh    re-execute solutions/ to refresh their stored outputs, then regenerate notebooks/
    python3 course.py visdom     run only the Visdom server (instructors); Ctrl+C stops it and saves its environments
    python3 course.py slides     build reveal.js slide decks of every notebook into build/slides/ (they work offline;
                                 --lang ko: the Korean edition's, into build/slides/ko/), the lecture deck and the lab
                                 sheet (--lecture: only those two, build/slides/lecture.slides.html and lab.html)
    python3 course.py translate  build the Korean edition (solutions/ko, notebooks/ko, README.ko.md) from the English
                                 source and i18n/ko/*.po; --update first brings the catalogs in step with the source,
                                 --check lists what is missing, fuzzy or stale (see CONTRIBUTING.md, Translations)
    python3 course.py classroom  (root) the course on JupyterHub for a class: --roster class.csv (see README, Classroom)
    python3 course.py grade      (root) collect and grade every student's notebooks with the course's checks
    python3 course.py setup      only create or update the virtual environment in .venv/
    python3 course.py help       print this text (needs nothing installed)

Set-up is skipped when .venv/ already matches requirements.txt and the Visdom dashboard's web assets are in
place (and the slide decks' reveal.js files), so a second start takes seconds.
Arguments after the command go to the tool underneath (pytest, jupyter lab, or the refresh script).

`start` serves a working copy, work/ (git-ignored; COURSE_WORK_DIR chooses another folder): each start copies into
it the notebooks/ and solutions/ files it does not hold yet, and never overwrites one, so saves, JupyterLab's
autosaves included, never change the repository. Delete a file there to get a fresh copy at the next start.
One Ctrl+C (or SIGINT, SIGTERM or SIGHUP sent to course.py) stops JupyterLab, its kernels and Visdom.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
BUILD_CONSTRAINTS = ROOT / "build-constraints.txt"
STAMP = VENV / "course-setup.sha256"
SUPPORTED_PYTHON = (3, 11)
COURSE_FOLDERS = ("notebooks", "solutions")  # what `start` copies into the working copy
# JupyterLab settings for every user of the venv (a user's own choice in Settings still wins): no pop-up asking
# to fetch Jupyter's news, which covers the page, and no update check, which would reach the internet.
LAB_SETTINGS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
# The translated editions `start --lang` serves: their notebooks' folder, and JupyterLab's language pack locale
# (jupyterlab-language-pack-ko-KR, pinned in requirements.txt), turned on for that start only.
EDITIONS = {"ko": {"folder": "notebooks/ko", "locale": "ko_KR"}}
LOCALE_SETTING = "@jupyterlab/translation-extension:plugin"


def venv_python():
    """Returns the path of the virtual environment's Python interpreter."""
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def wanted_fingerprint():
    """Returns a hash of everything that decides what the environment holds."""
    digest = hashlib.sha256()
    for path in (REQUIREMENTS, BUILD_CONSTRAINTS):
        digest.update(path.read_bytes())
    digest.update(sys.version.split()[0].encode())
    return digest.hexdigest()


def say(message):
    print(f"[course] {message}", flush=True)


def run(cmd, **kwargs):
    """Runs cmd; exits with its status if it fails."""
    result = subprocess.run([str(c) for c in cmd], **kwargs)
    if result.returncode != 0:
        say(f"failed (exit {result.returncode}): {' '.join(str(c) for c in cmd)}")
        sys.exit(result.returncode)


def link_repo_into_venv(python):
    """Makes `import utils` work in every kernel of the venv, whatever the notebook's folder."""
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    pth = Path(purelib) / "course-root.pth"
    if not pth.exists() or pth.read_text().strip() != str(ROOT):
        pth.write_text(str(ROOT) + "\n")


def setup():
    """Creates .venv/ and installs requirements.txt, unless that was already done for this exact file."""
    if sys.version_info[:2] != SUPPORTED_PYTHON:
        say(
            f"warning: this is Python {sys.version.split()[0]}; the course is pinned and tested on "
            f"Python {SUPPORTED_PYTHON[0]}.{SUPPORTED_PYTHON[1]}. If the install fails, use that version."
        )
    python = venv_python()
    want = wanted_fingerprint()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == want:
        link_repo_into_venv(python)
        write_lab_settings()
        stage_visdom_assets(python)
        stage_slide_assets(python)
        stage_hub_proxy(python)
        return python
    if not python.exists():
        say(f"creating the virtual environment in {VENV.name}/ ...")
        run([sys.executable, "-m", "venv", VENV])
    say("installing the pinned packages (about a minute the first time) ...")
    env = dict(os.environ)
    # PIP_CONSTRAINT reaches the isolated build environments too (a -c option would not).
    env["PIP_CONSTRAINT"] = " ".join(filter(None, [env.get("PIP_CONSTRAINT", ""), str(BUILD_CONSTRAINTS)]))
    run([python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "-r", REQUIREMENTS], env=env)
    link_repo_into_venv(python)
    write_lab_settings()
    STAMP.write_text(want + "\n")
    stage_visdom_assets(python)
    stage_slide_assets(python)
    stage_hub_proxy(python)
    say("environment ready.")
    return python


def write_lab_settings():
    """Writes the course's JupyterLab settings where JupyterLab reads app-wide overrides: the venv's share/ folder."""
    path = VENV / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "pytorch-course.json"
    text = json.dumps(LAB_SETTINGS, indent=2) + "\n"
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def tool_command(python, module, *args):
    """Returns the command line that runs `python -m tools.<module> args...` in the virtual environment."""
    return [str(python), "-m", f"tools.{module}", *map(str, args)]


def stage_visdom_assets(python):
    """Copies the Visdom dashboard's web assets from the npm registry into .venv/ (quick when already there)."""
    if subprocess.run(tool_command(python, "visdom_assets", "--check"), cwd=ROOT, capture_output=True).returncode:
        subprocess.run(tool_command(python, "visdom_assets"), cwd=ROOT)  # a failure prints its own warning


def stage_slide_assets(python):
    """Copies reveal.js, jQuery, require.js and MathJax from the npm registry into .venv/ (quick when already there)."""
    if subprocess.run(tool_command(python, "slides", "--check-assets"), cwd=ROOT, capture_output=True).returncode:
        subprocess.run(tool_command(python, "slides", "--stage-assets"), cwd=ROOT)  # a failure prints its own warning


def stage_hub_proxy(python):
    """Installs JupyterHub's proxy (configurable-http-proxy) from the npm registry into .venv/, for `classroom`."""
    if subprocess.run(tool_command(python, "classroom.proxy", "--check"), cwd=ROOT, capture_output=True).returncode:
        subprocess.run(tool_command(python, "classroom.proxy"), cwd=ROOT)  # a failure prints its own warning


def ensure_browser():
    """Installs Debian's Chromium for the dashboard's browser test where it is missing and apt-get can run."""
    if any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("installing Chromium for the browser test (apt-get, about a minute) ...")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, stdout=subprocess.DEVNULL)
    if not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")):
        say("no Chromium found: the dashboard's browser test will be skipped (install chromium to run it).")


def work_dir():
    """Returns the working copy's folder: $COURSE_WORK_DIR, or work/ in the repository (git-ignored)."""
    return Path(os.environ.get("COURSE_WORK_DIR") or ROOT / "work").resolve()


def prepare_working_copy(work):
    """Copies into `work` each file of notebooks/ and solutions/ that it does not hold yet; never overwrites one.

    JupyterLab serves this copy, so saving (autosave too) never changes the repository's notebooks.
    """
    copied, newer = 0, []
    for folder in COURSE_FOLDERS:
        for source in sorted((ROOT / folder).rglob("*")):
            if not source.is_file() or {".ipynb_checkpoints", "__pycache__"} & set(source.parts):
                continue
            target = work / source.relative_to(ROOT)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)  # keeps the time stamp: a later `git pull` shows as newer
                copied += 1
            elif source.stat().st_mtime > target.stat().st_mtime and source.read_bytes() != target.read_bytes():
                newer.append(target.relative_to(work).as_posix())
    say(
        f"your work is saved in {work}{os.sep} (a working copy: the repository's notebooks never change)"
        + (f"; {copied} file(s) copied in" if copied else "")
    )
    if newer:
        say(f"the course has a newer version of {', '.join(newer)}: delete your copy to get it at the next start.")


class Relay:
    """Copies a child's output to ours, line by line. Once quiet, it keeps only warnings and errors.

    JupyterLab logs a dozen lines while it stops; the person who pressed Ctrl+C wants one.
    """

    def __init__(self, stream, out):
        self.quiet = False
        self.thread = threading.Thread(target=self._copy, args=(stream, out), daemon=True)
        self.thread.start()

    def _copy(self, stream, out):
        level = b"I"
        for line in iter(stream.readline, b""):
            if line.startswith(b"Traceback"):
                level = b"E"
            elif line.startswith(b"["):  # "[W 2026-12-01 10:00:00.000 ServerApp] ...", or "[visdom] ..."
                level = line[1:2] if line[2:3] == b" " else b"I"
            if self.quiet and level not in (b"W", b"E") or b"twice to skip confirmation" in line:
                continue  # (JupyterLab's own advice on Ctrl+C is wrong here: once stops everything)
            try:
                out.buffer.write(line)
                out.flush()
            except (OSError, ValueError):
                pass  # the terminal is gone: keep reading, or the child blocks on a full pipe

    def finish(self):
        self.thread.join(timeout=2)


def start_visdom(python, port_file):
    """Returns the running Visdom server process (tools/visdom_server.py), started on 127.0.0.1: on the port that
    $COURSE_VISDOM_PORT names, else on Visdom's usual 8097 (a busy port is reported and a free one used)."""
    wanted = os.environ.get("COURSE_VISDOM_PORT", "").strip()
    return subprocess.Popen(
        tool_command(python, "visdom_server", "--port-file", port_file, *(["--port", wanted] if wanted else [])),
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
    )


def wait_for_port(proc, port_file, stopping, seconds=30):
    """Returns the port the server listens on, or None if it stopped, took longer than `seconds` or we stop."""
    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None and not stopping():
        if port_file.exists() and port_file.read_text().strip():
            return int(port_file.read_text())
        time.sleep(0.2)
    return None


def language_option(args):
    """Returns (language, the other arguments) for `start [--lang ko] ...`; "en" when none is asked for."""
    args = list(args)
    if "--lang" not in args:
        return "en", args
    at = args.index("--lang")
    lang = args[at + 1] if at + 1 < len(args) else ""
    if lang not in ("en", *EDITIONS):
        say(f"unknown --lang {lang!r}: the course is in English (en) and in {', '.join(EDITIONS)}.")
        sys.exit(2)
    return lang, args[:at] + args[at + 2 :]


def lab_settings_for(lang, folder):
    """Returns the JupyterLab app settings folder for a start in `lang` (None for English): the venv's own overrides
    (LAB_SETTINGS) copied into `folder`, plus the language pack's locale, so that only this start is translated."""
    if lang == "en":
        return None
    shared = VENV / "share" / "jupyter" / "lab" / "settings"
    target = Path(folder) / "lab-settings"
    if shared.is_dir():
        shutil.copytree(shared, target, dirs_exist_ok=True)
    overrides = target / "overrides.d" / f"pytorch-course-{lang}.json"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps({LOCALE_SETTING: {"locale": EDITIONS[lang]["locale"]}}, indent=2) + "\n")
    return target


def start_jupyterlab(python, args, env, work, lang="en", settings=None):
    """Returns the running JupyterLab process, serving the working copy on 127.0.0.1 only (on the edition of `lang`,
    with JupyterLab's app settings from `settings` when given)."""
    say("starting JupyterLab on http://127.0.0.1 (Ctrl+C stops JupyterLab and Visdom) ...")
    folder = EDITIONS[lang]["folder"] if lang in EDITIONS else "notebooks"
    cmd = [
        python,
        "-m",
        "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={work}",
        "--ServerApp.answer_yes=True",  # a Ctrl+C that reaches it directly stops it without a question
        f"--LabApp.default_url=/lab/tree/{folder}",
        *([f"--LabApp.app_settings_dir={settings}"] if settings else []),
        *args,
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines often run as root; Jupyter refuses it otherwise
    # In its own session, the terminal's Ctrl+C reaches only course.py, which stops everything in order.
    return subprocess.Popen(
        [str(c) for c in cmd],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def send_stop(proc, sig):
    """Asks a server started by this script to stop with `sig` (terminate() on Windows, which has no signals)."""
    if proc is not None and proc.poll() is None:
        if os.name == "nt":
            proc.terminate()  # Windows cannot send Ctrl+C to a process of another console group
        else:
            proc.send_signal(sig)


def wait_or_kill(proc, seconds):
    """Returns True if proc ended within `seconds`; otherwise kills it and returns False."""
    try:
        proc.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False


def stop_signals():
    return [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]


def start(python, args):
    """Runs the Visdom server and JupyterLab on the working copy, both on 127.0.0.1 only, until Ctrl+C.

    Ctrl+C in the terminal, or SIGINT, SIGTERM or SIGHUP sent to this process alone, stops both: JupyterLab with
    SIGTERM (its clean stop: kernels shut down, runtime files removed), Visdom with SIGINT (it saves first).
    """
    stop_signal = []
    for sig in stop_signals():
        signal.signal(sig, lambda signum, frame: stop_signal.append(signum))
    lang, args = language_option(args)
    if lang in EDITIONS and not (ROOT / EDITIONS[lang]["folder"]).is_dir():
        say(f"no {lang} edition yet ({EDITIONS[lang]['folder']}/): build it with `python3 course.py translate`.")
        return 1
    work = work_dir()
    prepare_working_copy(work)
    jupyter = relays = None
    with tempfile.TemporaryDirectory() as tmp:
        settings = lab_settings_for(lang, tmp)
        port_file = Path(tmp) / "visdom-port"
        visdom = start_visdom(python, port_file)
        relays = [Relay(visdom.stdout, sys.stdout)]
        try:
            port = wait_for_port(visdom, port_file, lambda: stop_signal)
            env = dict(os.environ)
            if port:
                env["COURSE_VISDOM_PORT"] = str(port)  # kernels find the dashboard through it (utils/live.py)
            elif not stop_signal:
                say("the Visdom server did not start (see above): notebook 08 will plot inline instead.")
            if not stop_signal:
                jupyter = start_jupyterlab(python, args, env, work, lang, settings)
                relays.append(Relay(jupyter.stderr, sys.stderr))
                while jupyter.poll() is None and not stop_signal:
                    time.sleep(0.2)
        finally:
            status = stop_course(jupyter, visdom, relays, stopped_by_us=jupyter is None or jupyter.poll() is None)
    return status


def stop_course(jupyter, visdom, relays, stopped_by_us):
    """Stops JupyterLab and Visdom, printing one line; returns the exit status for course.py."""

    def write(text):
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except (OSError, ValueError):
            pass  # the terminal was closed (SIGHUP)

    for relay in relays:
        relay.quiet = True
    if stopped_by_us:
        echoed = sys.stdin is not None and sys.stdin.isatty()  # the terminal showed ^C: start a line of our own
        write(("\n" if echoed else "") + "[course] stopping JupyterLab and Visdom ... ")
    else:
        write(f"[course] JupyterLab ended (exit {jupyter.returncode}); stopping Visdom ... ")
    send_stop(jupyter, signal.SIGTERM)  # jupyter_server's clean stop, without the y/n question of SIGINT
    send_stop(visdom, signal.SIGINT)  # tools/visdom_server.py saves its environments on SIGINT
    problems = []
    if jupyter is not None and not wait_or_kill(jupyter, 20):
        problems.append("JupyterLab did not stop within 20 s and was killed (its kernels may still run)")
    if not wait_or_kill(visdom, 15):
        problems.append("Visdom did not stop within 15 s and was killed (its environments were not saved)")
    for relay in relays:
        relay.finish()
    write("stopped.\n" if not problems else "; ".join(problems) + ".\n")
    if problems:
        return 1
    return 0 if stopped_by_us else jupyter.returncode


def run_tests(python, args):
    """Runs the whole test suite (pytest.ini says what), after making sure a browser is there for its browser tests."""
    ensure_browser()
    return subprocess.call([str(python), "-m", "pytest", *args], cwd=ROOT)


def run_visdom(python, args):
    """Runs only the Visdom server until Ctrl+C, which it answers by saving its environments."""
    server = subprocess.Popen(tool_command(python, "visdom_server", *args), cwd=ROOT)
    try:
        return server.wait()
    except KeyboardInterrupt:  # the server got the same Ctrl+C: let it save and stop
        return 0 if wait_or_kill(server, 15) else 1


def run_tool(module):
    """Returns a command that runs `python -m tools.<module>` with the arguments given to course.py."""
    return lambda python, args: subprocess.call(tool_command(python, module, *args), cwd=ROOT)


def run_until_stopped(module):
    """Returns a command that runs `python -m tools.<module>` and lets it stop cleanly on Ctrl+C.

    The tool (the classroom's hub, a grading run) catches the terminal's Ctrl+C itself, stops what it started and
    says so; course.py passes SIGINT on to it when SIGINT, SIGTERM or SIGHUP is sent to course.py alone, and waits.
    """

    def run_command(python, args):
        children = []

        def forward(signum, frame):
            if children and children[0].poll() is None:
                children[0].send_signal(signal.SIGINT)

        for sig in stop_signals():
            signal.signal(sig, forward)
        children.append(subprocess.Popen(tool_command(python, module, *args), cwd=ROOT))
        return children[0].wait()

    return run_command


def print_usage(python, args):
    print(__doc__)
    return 0


# command -> (whether it needs the virtual environment, what runs it: a function of the venv's python and the args)
COMMANDS = {
    "start": (True, start),
    "test": (True, run_tests),
    "students": (True, run_tool("student_version")),
    "refresh": (True, run_tool("refresh_outputs")),
    "visdom": (True, run_visdom),
    "slides": (True, run_tool("slides")),
    "translate": (True, run_tool("i18n")),
    "classroom": (True, run_until_stopped("classroom")),
    "grade": (True, run_until_stopped("classroom.grade")),
    "setup": (True, lambda python, args: 0),
    "help": (False, print_usage),
}


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    needs_venv, run_command = COMMANDS[argv[0]]
    return run_command(setup() if needs_venv else None, argv[1:])


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # Ctrl+C during set-up or another command
        say("interrupted.")
        sys.exit(130)
