"""Serving Marquee to a team: Streamlit replicas behind a sticky reverse proxy (``python -m core serve``)."""
