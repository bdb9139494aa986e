"""Side-by-side benchmarks of numjac against its peers: ``python -m benchmarks``.

Every library runs on one thread (set here, before any of them loads): the
numbers stay comparable and stable on a small machine shared with other
work, where idle BLAS threads spinning can cost 100x.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMJAC_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")
