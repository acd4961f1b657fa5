# JupyterHub's configuration for `python3 course.py classroom` (run as `jupyterhub -f` this file; JupyterHub
# defines `c`). The values that differ between classrooms come from the JSON file named by
# COURSE_CLASSROOM_SETTINGS (tools/classroom/hub_config.py writes it). Everything listens on 127.0.0.1 only.
import os

from tools.classroom import hub_config

s = hub_config.read(os.environ[hub_config.SETTINGS_VAR])
c = get_config()  # noqa: F821 (JupyterHub's config loader provides it)
hub = s["hub_dir"]

# The public address (the proxy), the hub's own API and the proxy's API: loopback only.
c.JupyterHub.bind_url = f"http://127.0.0.1:{s['port']}/"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{s['hub_port']}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [s["proxy_command"]]
c.ConfigurableHTTPProxy.pid_file = f"{hub}/proxy.pid"
c.JupyterHub.pid_file = f"{hub}/jupyterhub.pid"
c.JupyterHub.db_url = f"sqlite:///{hub}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{hub}/jupyterhub_cookie_secret"
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server,
c.JupyterHub.cleanup_proxy = True  # and the proxy

# Logins: the roster's students and the instructor, with the passwords of tools/classroom/passwords.py.
c.JupyterHub.authenticator_class = "tools.classroom.auth.RosterAuthenticator"
c.RosterAuthenticator.hashes_file = s["hashes_file"]
c.Authenticator.allowed_users = set(s["students"]) | {s["instructor"]}
c.Authenticator.admin_users = {s["instructor"]}

# One server per student, run as the student's Unix user, on 127.0.0.1, with its own Visdom server.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = [s["python"], "-m", "tools.classroom.singleuser"]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/notebooks"
c.Spawner.environment = {
    **s["kernel_env"],
    "COURSE_MEMORY_LIMIT": str(s["memory_limit"]),
    "PATH": f"{os.path.dirname(s['python'])}:/usr/local/bin:/usr/bin:/bin",
}
c.Spawner.start_timeout = 120  # a class starting at once on a small machine
c.Spawner.http_timeout = 120
c.Spawner.poll_interval = 10  # notice a server that died within seconds
c.LocalProcessSpawner.interrupt_timeout = 15
