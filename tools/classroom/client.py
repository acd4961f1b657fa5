"""Talks to a running classroom as a student's browser would: the hub's login form and REST API, the student's
Jupyter server's REST API, and a kernel's websocket. The tests and the benchmark use it.

    hub = Hub(port)
    token = hub.login("alice", password)             # the login form, then a token made with that session
    hub.start_server("alice", token); hub.wait_ready("alice", token)
    with Kernel(hub, "alice", token) as kernel:
        reply = kernel.execute("1 + 1")             # Reply(status, text, ename, evalue)
"""

import json
import time
import uuid
from dataclasses import dataclass

import requests
import websocket


class HubError(RuntimeError):
    """The hub refused or did not answer; the message says what happened."""


class Hub:
    def __init__(self, port, host="127.0.0.1"):
        self.base = f"http://{host}:{port}"
        self.port = port

    def login(self, name, password):
        """Returns an API token of user `name`, after logging in through the hub's login form."""
        session = requests.Session()
        session.trust_env = False
        session.get(f"{self.base}/hub/login", timeout=30)
        answer = session.post(
            f"{self.base}/hub/login",
            data={"username": name, "password": password, "_xsrf": session.cookies.get("_xsrf")},
            allow_redirects=False,
            timeout=60,
        )
        if answer.status_code != 302:
            raise HubError(f"login refused for {name} (HTTP {answer.status_code})")
        xsrf = session.cookies.get("_xsrf", path="/hub/")
        made = session.post(
            f"{self.base}/hub/api/users/{name}/tokens",
            json={"note": "classroom client", "expires_in": 3600},
            headers={"X-XSRFToken": xsrf},
            timeout=30,
        )
        if made.status_code != 201:
            raise HubError(f"no token for {name}: HTTP {made.status_code} {made.text[:200]}")
        return made.json()["token"]

    def api(self, method, path, token, **kwargs):
        """Returns the requests.Response of `method` on the hub's /hub/api`path`."""
        headers = {"Authorization": f"token {token}"}
        return requests.request(method, f"{self.base}/hub/api{path}", headers=headers, timeout=60, **kwargs)

    def server(self, name, token):
        """Returns user `name`'s default server model, or None when it has none running."""
        answer = self.api("GET", f"/users/{name}", token)
        answer.raise_for_status()
        return answer.json()["servers"].get("")

    def start_server(self, name, token):
        answer = self.api("POST", f"/users/{name}/server", token)
        if answer.status_code not in (201, 202, 400):  # 400: already running
            raise HubError(f"could not start {name}'s server: HTTP {answer.status_code} {answer.text[:200]}")

    def wait_ready(self, name, token, seconds=180):
        """Returns the seconds it took until `name`'s server was ready; raises HubError after `seconds`."""
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            server = self.server(name, token)
            if server and server.get("ready"):
                return time.monotonic() - start
            time.sleep(0.25)
        raise HubError(f"{name}'s server was not ready within {seconds} s")

    def user_api(self, method, name, path, token, **kwargs):
        """Returns the requests.Response of `method` on user `name`'s Jupyter server, /user/`name`/api`path`."""
        headers = {"Authorization": f"token {token}"}
        url = f"{self.base}/user/{name}/api{path}"
        return requests.request(method, url, headers=headers, timeout=120, **kwargs)


@dataclass
class Reply:
    status: str  # "ok" or "error"
    text: str  # everything the code printed or displayed as text
    ename: str = ""
    evalue: str = ""


class Kernel:
    """A new kernel on user `name`'s server, driven over its websocket like JupyterLab does."""

    def __init__(self, hub, name, token, path="notebooks"):
        self.hub, self.name, self.token = hub, name, token
        answer = hub.user_api("POST", name, "/kernels", token, json={"name": "python3", "path": path})
        if answer.status_code != 201:
            raise HubError(f"no kernel on {name}'s server: HTTP {answer.status_code} {answer.text[:200]}")
        self.id = answer.json()["id"]
        url = f"ws://127.0.0.1:{hub.port}/user/{name}/api/kernels/{self.id}/channels"
        self.ws = websocket.create_connection(url, header=[f"Authorization: token {token}"], timeout=300)
        self.session = uuid.uuid4().hex

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.ws.close()
        finally:
            self.hub.user_api("DELETE", self.name, f"/kernels/{self.id}", self.token)

    def execute(self, code, timeout=300):
        """Returns the Reply of running `code` in the kernel."""
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "username": self.name, "session": self.session, "msg_type": "execute_request"}
        header["version"] = "5.3"
        content = {"code": code, "silent": False, "store_history": True, "allow_stdin": False}
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}
        self.ws.send(json.dumps(message))
        texts, reply, idle = [], None, False
        deadline = time.monotonic() + timeout
        while not (reply and idle):
            if time.monotonic() > deadline:
                raise HubError(f"no answer from {self.name}'s kernel within {timeout} s")
            incoming = json.loads(self.ws.recv())
            if incoming.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, body = incoming["msg_type"], incoming["content"]
            if kind == "stream":
                texts.append(body["text"])
            elif kind in ("execute_result", "display_data"):
                texts.append(body.get("data", {}).get("text/plain", ""))
            elif kind == "error":
                texts.append(f"{body['ename']}: {body['evalue']}")
            elif kind == "execute_reply":
                reply = body
            elif kind == "status" and body["execution_state"] == "idle":
                idle = True
        return Reply(reply["status"], "".join(texts), reply.get("ename", ""), reply.get("evalue", ""))
