"""The course on a real JupyterHub for a whole class: `python3 course.py classroom` and `python3 course.py grade`.

One small module per topic:

- roster: the class list (CSV: user name, display name), checked before anything changes
- users: one Unix user per student (LocalProcessSpawner runs each student's server as that user), their homes
- homes: run as a student, copies the course's notebooks/ tree into their home without overwriting anything
- access: what of the course folder students may read (the Python environment, utils/), closing the rest
- passwords: per-student generated passwords, a handout only root reads, and the hashes the hub checks
- auth: the JupyterHub authenticator that checks those hashes
- proxy: stages configurable-http-proxy from the npm registry (set-up runs it)
- hub_config / jupyterhub_config: the hub's settings, and the JupyterHub config file that reads them
- singleuser: what each student's server runs: their own Visdom server with a login only they hold, then
  jupyterhub-singleuser
- hub: starts the hub, relays its warnings, stops everything on Ctrl+C and checks that nothing is left
- client: the hub's REST API and a kernel's websocket, for the tests and the benchmark
- grading modules: collect, run_notebook, results, grade (`python3 course.py grade`)
- benchmark: time to a ready server, memory per student, notebook 01's run-all time for 1, 3, 6 students
"""
