"""``python -m scratchgrad`` and the ``scratchgrad`` console script."""
import sys

from .cli import main as _cli_main

__all__ = ["main"]


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    return _cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
