"""The one command line: ``python -m core sync | refresh | ingest | generate | api | serve``.

``sync`` and ``refresh`` fetch TMDB into the local cache (``core.tmdb.cli``); ``ingest`` validates a data file
against the data contract and stores it as a source (``core.data.ingest``); ``generate`` writes a synthetic
streaming platform with planted, labelled fake engagement (``core.synth.cli``); ``api`` serves the JSON API
(``core.api.server``); ``serve`` runs the app for a team: N replicas behind nginx with sticky sessions
(``core.deploy.serve``).
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the subcommand's own command line."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "ingest":
        from core.data.ingest import cli

        return cli(argv[1:])
    if argv and argv[0] == "generate":
        from core.synth.cli import main as generate_main

        return generate_main(argv[1:])
    if argv and argv[0] == "api":
        from core.api.server import main as api_main

        return api_main(argv[1:])
    if argv and argv[0] == "serve":
        from core.deploy.serve import main as serve_main

        return serve_main(argv[1:])
    from core.tmdb.cli import main as tmdb_main

    return tmdb_main(argv)


if __name__ == "__main__":
    sys.exit(main())
