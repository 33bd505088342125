"""Explore: Content Universe (``universe``), Performance Deep Dive (``deepdive``, ``deepdive_models``) and
Market Opportunities (``market``); ``charts`` builds their figures, ``cache`` is their cache boundary and
``*_view`` modules are the page bodies."""
