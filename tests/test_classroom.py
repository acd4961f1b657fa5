"""The classroom's parts that need no hub: the roster, the passwords, the refusals before anything starts.

The hub itself, with real Unix users, is tested in tests/test_classroom_hub.py; here the grading's parts too: the
notebook runner's time and memory limits (as the current user), the rows, the table.
"""

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from tools.classroom import __main__ as classroom
from tools.classroom import access, grading, homes, options, passwords, proxy, report, results, roster
from utils.ports import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_a_roster_with_a_header_a_bom_comments_and_quoted_commas_is_read(tmp_path):
    path = tmp_path / "class.csv"  # as a spreadsheet saves "CSV UTF-8": with a byte-order mark
    path.write_text('username,display name\n# period 2\n\nalice,Alice Martin\nbob,"Lee, Bob"\ncarol\n', "utf-8-sig")
    students = roster.read(path)
    assert [(s.name, s.display_name, s.line) for s in students] == [
        ("alice", "Alice Martin", 4),
        ("bob", "Lee, Bob", 5),
        ("carol", "carol", 6),
    ]


def test_a_roster_reports_every_bad_line_with_its_fix_and_nothing_else_happens(tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("alice,A\nAlice B,B\nbob,Bob\nalice,Other Alice\nroot,R\n9lives,N\ncarol,C,extra\n")
    with pytest.raises(roster.RosterError) as caught:
        roster.read(path)
    message = str(caught.value)
    assert "nothing was changed" in message
    assert f"{path}, line 2: 'Alice B' is not a valid user name" in message and "for example 'aliceb'" in message
    assert "line 4: 'alice' is already on line 1" in message and "'alice2'" in message
    assert "line 5: 'root' is reserved" in message
    assert "line 6: '9lives' is not a valid user name" in message
    assert "line 7: 3 columns" in message and "quotes" in message
    assert "line 3" not in message  # bob is fine


def test_an_empty_or_missing_roster_says_what_to_write(tmp_path):
    with pytest.raises(roster.RosterError, match="no students"):
        roster.parse("# nobody yet\n")
    with pytest.raises(roster.RosterError, match="no roster file at .*nope.csv"):
        roster.read(tmp_path / "nope.csv")


def test_passwords_are_kept_hashed_renewed_on_request_and_only_root_reads_them(tmp_path):
    handout, hashes = tmp_path / "passwords.csv", tmp_path / "hashes.json"
    assert passwords.update([("alice", "Alice"), ("bob", "Bob")], handout, hashes) == ["alice", "bob"]
    first = passwords.read_handout(handout)
    assert set(first) == {"alice", "bob"} and first["bob"][0] == "Bob"
    assert len(first["alice"][1]) == 14 and first["alice"][1] != first["bob"][1]
    for path in (handout, hashes):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = passwords.read_hashes(hashes)
    assert first["alice"][1] not in hashes.read_text()
    assert passwords.verify(first["alice"][1], stored["alice"])
    assert not passwords.verify(first["bob"][1], stored["alice"]) and not passwords.verify("", stored["alice"])
    # a new student gets one, the others keep theirs; a renewed one changes
    assert passwords.update([("alice", "Alice"), ("bob", "Bob"), ("carol", "C")], handout, hashes) == ["carol"]
    assert passwords.read_handout(handout)["alice"] == first["alice"]
    assert passwords.update([("bob", "Bob")], handout, hashes, renew=["bob"]) == ["bob"]
    renewed = passwords.read_handout(handout)["bob"][1]
    assert renewed != first["bob"][1] and passwords.verify(renewed, passwords.read_hashes(hashes)["bob"])


def test_homes_copy_the_whole_notebooks_tree_and_never_overwrite(tmp_path):
    source, dest = tmp_path / "notebooks", tmp_path / "home" / "notebooks"
    (source / "ko").mkdir(parents=True)
    (source / "01.ipynb").write_text("course 01")
    (source / "ko" / "01.ipynb").write_text("course ko 01")
    (source / ".ipynb_checkpoints").mkdir()
    (source / ".ipynb_checkpoints" / "01-checkpoint.ipynb").write_text("x")
    assert homes.copy_new(source, dest) == 2
    (dest / "01.ipynb").write_text("the student's work")
    (source / "02.ipynb").write_text("course 02")
    assert homes.copy_new(source, dest) == 1
    assert (dest / "01.ipynb").read_text() == "the student's work" and (dest / "ko" / "01.ipynb").exists()
    assert not (dest / ".ipynb_checkpoints").exists()


def test_closing_the_course_folder_keeps_what_students_run_and_closes_the_rest(tmp_path):
    for name in ("solutions", ".git", "utils", ".venv", "notebooks"):
        (tmp_path / name).mkdir(mode=0o755)
    (tmp_path / "README.md").write_text("x")
    (tmp_path / "README.md").chmod(0o644)
    closed = access.close_course_folder(tmp_path)
    assert closed == [".git/", "README.md", "solutions/"]
    assert stat.S_IMODE((tmp_path / "solutions").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "utils").stat().st_mode) == 0o755
    assert access.close_course_folder(tmp_path) == []


def test_sizes_are_read_as_people_write_them():
    assert options.memory_size("4G") == 4 * 1024**3
    assert options.memory_size("512M") == 512 * 1024**2
    assert options.memory_size("1.5GiB") == int(1.5 * 1024**3)
    assert options.memory_size("1000") == 1000
    with pytest.raises(Exception, match="not a size"):
        options.memory_size("lots")


def test_a_busy_port_or_a_missing_proxy_is_refused_with_the_fix(monkeypatch, tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = classroom.parse_args(["--port", str(port), "--folder", str(tmp_path)])
        monkeypatch.setattr(classroom.os, "geteuid", lambda: 0)
        monkeypatch.setattr(classroom.proxy, "missing", lambda: [])
        with pytest.raises(classroom.ClassroomError, match=f"port {port} is busy .* --port N"):
            classroom.check_can_start(args)
        (tmp_path / "hub").mkdir()
        (tmp_path / "hub" / "jupyterhub.pid").write_text(str(os.getpid()))  # a hub left by a killed launcher
        with pytest.raises(classroom.ClassroomError, match=f"earlier run still runs \\(pid {os.getpid()}.*kill"):
            classroom.check_can_start(args)
    monkeypatch.setattr(classroom.proxy, "missing", lambda: ["configurable-http-proxy is not installed"])
    args = classroom.parse_args(["--port", str(free_port()), "--folder", str(tmp_path)])
    with pytest.raises(classroom.ClassroomError, match="proxy .* not installed.*Node.js.*course.py setup"):
        classroom.check_can_start(args)
    monkeypatch.setattr(classroom.os, "geteuid", lambda: 1000)
    with pytest.raises(classroom.ClassroomError, match="as root.*sudo python3 course.py classroom"):
        classroom.check_can_start(args)


def test_set_up_staged_the_proxy():
    assert proxy.missing() == [], "run `python3 course.py setup` (it installs configurable-http-proxy with npm)"
    assert proxy.command().exists()


def runner(cells, cell_timeout, memory="2G"):
    """Returns (seconds, result) of tools/classroom/run_notebook.py on a notebook of `cells`, as this user."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    cmd = [sys.executable, "-m", "tools.classroom.run_notebook", "--cell-timeout", str(cell_timeout)]
    cmd += ["--memory-limit", str(options.memory_size(memory))]
    start = time.monotonic()
    done = subprocess.run(cmd, input=nbformat.writes(nb), capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - start, json.loads(done.stdout)


def test_grading_interrupts_an_endless_loop_and_runs_the_next_cells():
    seconds, result = runner(["while True:\n    pass", "print('after the loop')"], cell_timeout=3)
    assert result["cells"]["0"]["error"][0] == "Timeout" and "longer than 3 s" in result["cells"]["0"]["error"][1]
    assert result["cells"]["1"] == {"error": None, "text": "after the loop\n"}
    assert seconds < 60


def test_grading_refuses_a_10_gb_tensor_in_its_cell_and_goes_on():
    cells = ["import torch\nbig = torch.ones(10 * 1024**3 // 4)", "print(torch.ones(3).sum().item())"]
    _, result = runner(cells, cell_timeout=120, memory="3G")
    ename, evalue = result["cells"]["0"]["error"]
    assert ename == "RuntimeError" and "can't allocate memory" in evalue
    assert result["cells"]["1"] == {"error": None, "text": "3.0\n"} and result["stopped"] is None


def test_a_notebook_over_its_time_limit_is_killed_with_its_kernel():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\nwhile True:\n    time.sleep(1)")])
    limits = grading.Limits(cell_seconds=600, notebook_seconds=8, memory_bytes=2 * 1024**3)
    running, me = {}, psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    result = grading.run_as_student(nbformat.writes(nb).encode(), sys.executable, {"cwd": ROOT}, limits, running)
    assert result == {"cells": {}, "stopped": "the notebook ran longer than 8 s in all and was stopped"}
    time.sleep(1)
    left = [p for p in psutil.process_iter(["cmdline"]) if "ipykernel" in " ".join(p.info["cmdline"] or [])]
    assert not [p for p in left if p.ppid() in before | {me.pid}], "the notebook's kernel outlived the kill"


STUDENT_NB = {
    "cells": [
        {"cell_type": "code", "source": "forward = 1", "metadata": {"course": {"exercise": 1, "role": "task"}}},
        {"cell_type": "code", "source": "check(forward)", "metadata": {"course": {"exercise": 1, "role": "check"}}},
        {"cell_type": "code", "source": "raise NotImplementedError", "metadata": {"course": {"exercise": 2}}},
        {"cell_type": "code", "source": "check2()", "metadata": {"course": {"exercise": 2, "role": "check"}}},
        {"cell_type": "code", "source": "x", "metadata": {"course": {"exercise": 3, "role": "task"}}},
        {"cell_type": "code", "source": "check3()", "metadata": {"course": {"exercise": 3, "role": "check"}}},
    ]
}


def student(cells):
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c["source"], metadata=c["metadata"]) for c in cells]
    )


def test_rows_match_exercises_by_metadata_and_give_the_checks_own_message():
    nb = student(STUDENT_NB["cells"])
    run = {
        "cells": {
            "1": {"error": None, "text": "check passed: forward is right\n"},
            "2": {"error": ["NotImplementedError", "Exercise 2 is not done yet: do it."], "text": ""},
            "3": {"error": ["NameError", "name 'grad' is not defined"], "text": ""},
            "5": {"error": ["CheckFailed", "x has shape (3,), expected (4,).\nHint: transpose it"], "text": ""},
        },
        "stopped": None,
    }
    rows = results.rows_for(nb, [1, 2, 3, 4], run)
    assert rows == [
        {"exercise": 1, "passed": True, "message": "check passed: forward is right"},
        {"exercise": 2, "passed": False, "message": "Exercise 2 is not done yet: do it."},
        {"exercise": 3, "passed": False, "message": "x has shape (3,), expected (4,).\nHint: transpose it"},
        {
            "exercise": 4,
            "passed": False,
            "message": "exercise 4's cells are missing (deleted?): copy them back from the course",
        },
    ]
    del nb.cells[1]  # the student deleted exercise 1's check; a moved cell is still found by its metadata
    nb.cells.insert(0, nb.cells.pop(4))
    rows = results.rows_for(nb, [1, 3], {"cells": {}, "stopped": "the kernel died in cell 2"})
    assert rows[0]["message"].startswith("exercise 1's check cell is missing")
    assert rows[1] == {"exercise": 3, "passed": False, "message": "not reached: the kernel died in cell 2"}


def test_a_corrupt_missing_or_untouched_notebook_gets_one_clear_row_per_exercise_without_running():
    course = student(STUDENT_NB["cells"])
    course_bytes = nbformat.writes(course).encode()

    def never(data):
        raise AssertionError("this notebook must not be run")

    rows, how = grading.grade("ok", b'{"cells": [', course, course_bytes, never)
    assert how == "not run: corrupt" and len(rows) == 3 and rows[0]["message"].startswith("corrupt: the file is not")
    rows, how = grading.grade("missing", b"", course, course_bytes, never)
    assert how == "not run: missing" and all(r["message"].startswith("missing:") for r in rows)
    rows, how = grading.grade("ok", course_bytes, course, course_bytes, never)
    assert how == "not run: never opened" and rows[2]["message"].startswith("never opened")
    opened = nbformat.writes(student(STUDENT_NB["cells"]), version=4).replace(
        '"metadata": {}', '"metadata": {"x": 1}', 1
    )
    rows, how = grading.grade("ok", opened.encode(), course, course_bytes, never)
    assert how == "not run: not started" and rows[0]["message"].startswith("not started")


def test_the_grades_table_holds_each_result_once_whatever_was_rerun(tmp_path):
    plan = {"students": ["ann", "bo"], "notebooks": ["01_x.ipynb"], "display": {"ann": "Ann A", "bo": "Bo B"}}
    for name, passed in (("ann", True), ("bo", False)):
        path = tmp_path / "results" / name / "01_x.json"
        path.parent.mkdir(parents=True)
        rows = [{"exercise": 1, "passed": passed, "message": "check passed: ok" if passed else "x is wrong\nHint: y"}]
        path.write_text(json.dumps({"rows": rows, "how": "run"}))
    csv_path, count = report.write(tmp_path, plan, "today")
    assert count == 2
    assert csv_path.read_text().splitlines() == [
        "student,notebook,exercise,passed,message",
        "ann,01_x,1,yes,check passed: ok",
        'bo,01_x,1,no,"x is wrong',
        'Hint: y"',
    ]
    assert stat.S_IMODE(csv_path.stat().st_mode) == 0o600
    feedback = (tmp_path / "feedback" / "bo.md").read_text()
    assert feedback.startswith("# Feedback for Bo B (bo)") and "## 01_x: 0 of 1 exercises passed" in feedback
    assert "- Exercise 1: not yet. x is wrong\n  Hint: y" in feedback


def test_the_nbgrader_export_marks_each_exercise_and_keeps_the_question_keys_sealed(tmp_path):
    from tools import student_version as sv
    from tools.classroom import nbgrader_export

    written = nbgrader_export.export(tmp_path)
    assert [p.parent.name for p in written] == [p.stem for p in sorted((ROOT / "solutions").glob("*.ipynb"))]
    for path in written:
        source = nbformat.read(path, as_version=4)
        solution = nbformat.read(ROOT / "solutions" / path.name, as_version=4)
        marks = [c.metadata["nbgrader"] for c in source.cells if "nbgrader" in c.metadata]
        ids = [m["grade_id"] for m in marks]
        assert len(ids) == len(set(ids)), f"{path.name}: grade ids repeat"
        for m in marks:
            assert (
                set(m) >= {"grade", "grade_id", "locked", "schema_version", "solution", "task"}
                and m["schema_version"] == 3
            )
        checks = {m["grade_id"] for m in marks if m["grade"]}
        assert checks == {f"exercise-{k}-check" for k in sv.exercise_numbers(solution)}, path.name
        assert all(m["locked"] and m["points"] == 1 and not m["solution"] for m in marks if m["grade"])
        solution_cells = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert all("### BEGIN SOLUTION" in c.source for c in solution_cells), path.name  # nbgrader clears these
        keys = [c.source for c in source.cells if "quiz-key" in c.metadata.get("tags", [])]
        assert all("quiz.Question.sealed(" in k and "right=" not in k for k in keys), path.name
        assert not any("course" in c.metadata for c in source.cells)


def test_a_roster_name_that_is_already_an_account_of_the_machine_is_refused(tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("alice,Alice\ndaemon,Not The Daemon\n")  # daemon: a system account on every Debian
    args = classroom.parse_args(["--roster", str(path), "--folder", str(tmp_path), "--group", "no-such-group-17"])
    with pytest.raises(classroom.ClassroomError, match="already users of this machine.*: daemon. Give these students"):
        classroom.load_roster(args)
    args = classroom.parse_args(["--roster", str(path), "--folder", str(tmp_path), "--instructor", "alice"])
    path.write_text("alice,Alice\n")
    with pytest.raises(classroom.ClassroomError, match="instructor 'alice' is also in the roster"):
        classroom.load_roster(args)
    assert not (tmp_path / "roster.csv").exists()  # nothing saved from a refused roster
