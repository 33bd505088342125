"""Marquee core: pure data, feature and analytics modules (no Streamlit outside cached.py and ui.py)."""
