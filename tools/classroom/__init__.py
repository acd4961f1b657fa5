"""The course on a real JupyterHub for a whole class: `python3 course.py classroom` and `python3 course.py grade`.

One small module per topic (README, "Classroom", says how to use them):

- __main__: the `classroom` command; options: what it shares with `grade` (folders, sizes)
- roster: the class list (CSV: user name, display name), checked before anything changes
- users: one locked Unix user per student (LocalProcessSpawner runs each student's server as that user), homes
- homes: run as a student, copies the course's notebooks/ tree into their home without overwriting anything
- access: what of the course folder students may read, closing the rest, and a check run as a student
- python: the Python students run (.venv/, or a small environment over the system's Python when .venv/'s base
  interpreter sits in a folder closed to other users)
- passwords: per-student generated passwords, a handout only root reads, and the hashes the hub checks
- auth: the JupyterHub authenticator that checks those hashes
- proxy: stages configurable-http-proxy from the npm registry (set-up runs it)
- hub_config, jupyterhub_config: the hub's settings, and the JupyterHub config file that reads them
- singleuser, dashboard: what each student's server runs: their own Visdom server with a login only they hold,
  then jupyterhub-singleuser
- hub: starts the hub, relays its warnings, stops everything on Ctrl+C and checks that nothing is left
- grade, collect, grading, run_notebook, results, report: `course.py grade`, from collection to grades.csv
- client: the hub's REST API and a kernel's websocket, for the tests and the benchmark
- benchmark: time to a ready server, memory per student, notebook 01's run-all time for 1, 3, 6 students
- nbgrader_export: the notebooks as nbgrader sources (optional)
"""
