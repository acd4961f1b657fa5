"""The hub's login: a JupyterHub Authenticator that checks a user name and password against the classroom's hashes.

JupyterHub's documented extension point (an Authenticator subclass with `authenticate`), used with JupyterHub's
own login form, `allowed_users` (the roster and the instructor) and `admin_users` (the instructor). The hashes
file is read at every login, so a password replaced by `course.py classroom --new-password NAME` works at once,
even while the hub runs. The check (scrypt) runs in a worker thread: a class logging in at once never blocks the
hub.
"""

import asyncio

from jupyterhub.auth import Authenticator
from traitlets import Unicode

from tools.classroom import passwords


class RosterAuthenticator(Authenticator):
    """Logs in a user whose password matches its scrypt hash in `hashes_file` (tools/classroom/passwords.py)."""

    hashes_file = Unicode(config=True, help="JSON {user name: 'scrypt$salt$hash'}, readable by the hub only")

    async def authenticate(self, handler, data):
        name = self.normalize_username((data or {}).get("username", "").strip())
        password = (data or {}).get("password", "")
        stored = passwords.read_hashes(self.hashes_file).get(name)
        if not name or not password or stored is None:
            return None
        if await asyncio.to_thread(passwords.verify, password, stored):
            return name
        self.log.warning("Failed login for %s: wrong password", name)
        return None
