"""Small helpers shared by the course's notebooks, one topic per module.

Import a module and call its functions with the prefix, e.g. `from utils import checks` then
`checks.rel_error(a, b)`, so that library code is easy to tell apart from the code being taught.
Importing any of these modules has no side effects: nothing is seeded, started or printed.
"""
