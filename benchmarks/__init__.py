"""Side-by-side speed benchmarks: scratchgrad against torch, dezero and mygrad.

Run ``python -m benchmarks --help``.  Each library runs in its own worker process
(:mod:`benchmarks.worker`) so that imports, thread pools and memory of one library never
affect another; :mod:`benchmarks.run` collects the workers' JSON and prints markdown tables.
"""
