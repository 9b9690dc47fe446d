"""Pins every thread pool a PyTorch peer can start to the thread count it is asked for; import it before torch.

torch.set_num_threads sizes PyTorch's own pool only. Debian's torch calls the system's OpenBLAS, whose pthread build
starts one thread per core at load time unless OPENBLAS_NUM_THREADS says otherwise, so a "one thread" peer computed on
both cores of this machine: torch_distill_step.py at 224² × 8 ran 3.83 s per step with user time 1.3× its wall time,
and 5.13 s per step (user time = wall time) pinned (2026-12-01, docs/performance.md).
"""
import os


def pin(threads):
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)


def threads_from_argv(argv, default=1):
    """The value of --threads N / --threads=N in argv (parsed before argparse, which runs after torch is imported)."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return default
