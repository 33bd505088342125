"""Live TMDB (v3 API): ``client`` (HTTP, rate limit, retries), ``store`` (DuckDB), ``sync`` (the paged fetch),
``service`` (what the Data page runs) and ``cli`` (``python -m core sync | refresh``)."""
