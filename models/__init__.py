"""Marquee models: scikit-learn-style estimators, one module per model family (no Streamlit, no I/O)."""
