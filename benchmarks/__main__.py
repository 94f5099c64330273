"""``python -m benchmarks``: run the side-by-side benchmarks (see :mod:`benchmarks.run`)."""
import sys

from .run import main

sys.exit(main())
