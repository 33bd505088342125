"""The one command line: ``python -m core sync | refresh`` (TMDB into the local cache; see ``core.tmdb.cli``)."""
import sys

from core.tmdb.cli import main

if __name__ == "__main__":
    sys.exit(main())
