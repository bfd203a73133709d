"""gate's benchmark suite (issue 10): workload generators (bench.workloads) and the runner (bench.run)."""
