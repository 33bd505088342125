"""``python -m core.tmdb`` is the same command line as ``python -m core``."""
import sys

from core.tmdb.cli import main

if __name__ == "__main__":
    sys.exit(main())
