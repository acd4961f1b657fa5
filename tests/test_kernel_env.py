"""tools/kernel_env.py: the reproducible kernel settings, and the knob that checks outputs under other CPU kernels."""

import subprocess
import sys
from pathlib import Path

import pytest

from tools import kernel_env

CPUINFO = Path("/proc/cpuinfo")
HAS_AVX2 = CPUINFO.exists() and " avx2" in CPUINFO.read_text()


def test_kernels_use_the_portable_cpu_kernels_by_default():
    env = kernel_env.apply({"MPLBACKEND": "Agg", "ATEN_CPU_CAPABILITY": "avx512"})
    assert env["ATEN_CPU_CAPABILITY"] == "default" and env["OMP_NUM_THREADS"] == "1"
    assert env["MKL_CBWR"] == "COMPATIBLE" and "MPLBACKEND" not in env


@pytest.mark.skipif(not HAS_AVX2, reason="this CPU has no AVX2 kernels to switch to")
def test_course_cpu_capability_switches_the_kernels_of_a_real_process():
    env = kernel_env.apply({"COURSE_CPU_CAPABILITY": "avx2"})
    assert env["ATEN_CPU_CAPABILITY"] == "avx2"
    probe = "import torch; print(torch.backends.cpu.get_cpu_capability())"
    for wanted, shown in (("avx2", "AVX2"), ("default", "DEFAULT")):
        result = subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            timeout=60,
            env=kernel_env.apply({"COURSE_CPU_CAPABILITY": wanted}),
        )
        assert result.stdout.strip() == shown, result.stdout + result.stderr
