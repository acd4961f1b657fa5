"""The environment every notebook kernel runs in under the tests and the refresh command.

The same settings in both places make the stored outputs reproducible: one thread (float sums then add up in
one fixed order), MKL in its conditional-reproducibility mode and torch's portable CPU kernels (the same
results on CPUs with other vector instructions), and matplotlib's inline backend (MPLBACKEND=Agg would
change the text of every plot cell's output).
"""

import os

SETTINGS = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_CBWR": "COMPATIBLE",
    "ATEN_CPU_CAPABILITY": "default",
    "PYTHONHASHSEED": "0",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # silences a debugger warning at kernel start
    "NO_PROXY": "127.0.0.1,localhost",
}
REMOVED = ("MPLBACKEND",)


def apply(environ=None):
    """Returns `environ` (os.environ by default) after putting the settings above into it."""
    environ = os.environ if environ is None else environ
    environ.update(SETTINGS)
    environ["ATEN_CPU_CAPABILITY"] = environ.get("COURSE_CPU_CAPABILITY", SETTINGS["ATEN_CPU_CAPABILITY"])
    for name in REMOVED:
        environ.pop(name, None)
    return environ
