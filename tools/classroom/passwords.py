"""Per-student passwords: generated once, handed out by the instructor, checked by the hub as hashes.

- `passwords.csv` in the classroom's folder (mode 0600, root's: only the instructor, through sudo, reads it):
  user name, display name, password. The instructor hands each student their line.
- `hub/password-hashes.json` (mode 0600): {user: "scrypt$salt$hash"}, what the hub's login checks
  (tools/classroom/auth.py). Deleting passwords.csv after handing them out leaves the hub working.

A student who joins later gets a password at the next start; everyone else keeps theirs. `--new-password NAME`
replaces one (a forgotten password). Passwords are 12 characters from an alphabet without look-alikes (0/O, 1/l/I):
about 59 bits, out of reach of guessing through a login form.
"""

import base64
import csv
import hashlib
import hmac
import io
import json
import os
import secrets
from pathlib import Path

ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l, o, 0, 1
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
PRIVATE = 0o600


def generate():
    """Returns a new password: three groups of four characters, e.g. 'k7mq-x2vd-9hte'."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def hash_password(password, salt=None):
    """Returns "scrypt$<salt>$<hash>" for `password` (base64)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify(password, stored):
    """Returns True when `password` matches the stored "scrypt$salt$hash"."""
    try:
        kind, salt, digest = stored.split("$")
        salt, digest = base64.b64decode(salt), base64.b64decode(digest)
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    return hmac.compare_digest(hashlib.scrypt(password.encode(), salt=salt, **SCRYPT), digest)


def write_private(path, text):
    """Writes `text` to `path` with mode 0600, never readable by others even for a moment; atomic."""
    path = Path(path)
    temporary = path.with_name(path.name + ".new")
    if temporary.exists():
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


def read_handout(path):
    """Returns {user: (display name, password)} from the handout file (empty when it does not exist)."""
    path = Path(path)
    if not path.exists():
        return {}
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    return {row[0]: (row[1], row[2]) for row in rows[1:] if len(row) == 3}


def read_hashes(path):
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else {}


def update(people, handout_path, hashes_path, renew=()):
    """Returns the names that got a new password, after making sure everyone in `people` has one.

    `people` is [(user name, display name)]. Existing passwords are kept, except for the names in `renew`.
    The handout and the hashes always agree afterwards.
    """
    handout, hashes = read_handout(handout_path), read_hashes(hashes_path)
    new = []
    for name, display in people:
        if name in renew or name not in hashes:
            password = generate()
            handout[name], hashes[name] = (display, password), hash_password(password)
            new.append(name)
        elif name in handout:  # (not in it when the instructor deleted the handout: the hash stays valid)
            handout[name] = (display, handout[name][1])
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["user name", "display name", "password"])
    for name, (display, password) in sorted(handout.items()):
        writer.writerow([name, display, password])
    write_private(hashes_path, json.dumps(hashes, indent=1, sort_keys=True) + "\n")
    write_private(handout_path, text.getvalue())
    return new
