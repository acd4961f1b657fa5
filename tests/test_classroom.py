"""The classroom's parts that need no hub: the roster, the passwords, the refusals before anything starts.

The hub itself, with real Unix users, is tested in tests/test_classroom_hub.py.
"""

import stat

import pytest

from tools.classroom import __main__ as classroom
from tools.classroom import access, homes, passwords, proxy, roster
from tools.ports import free_port


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
    assert classroom.memory_size("4G") == 4 * 1024**3
    assert classroom.memory_size("512M") == 512 * 1024**2
    assert classroom.memory_size("1.5GiB") == int(1.5 * 1024**3)
    assert classroom.memory_size("1000") == 1000
    with pytest.raises(Exception, match="not a size"):
        classroom.memory_size("lots")


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
