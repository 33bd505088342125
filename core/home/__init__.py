"""Home: the portfolio at a glance, the active source and its freshness, links to every page."""
