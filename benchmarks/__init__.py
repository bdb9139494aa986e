"""Side-by-side benchmarks of numjac against its peers: ``python -m benchmarks``."""
