"""Decide: the Investment Copilot (``copilot`` models and evaluation, ``advice`` for one scenario,
``neighbours`` for benchmarks) and Head-to-Head (``h2h``); ``charts``, ``cache`` and the two ``*_view`` page
bodies."""
