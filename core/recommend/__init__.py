"""Recommend: the page's tables and pickers (``tables``), the evaluation protocols (``evaluation``) and their
report (``report``), the sentences the page writes (``insights``); ``charts``, ``cache`` and the page body
(``view``). The estimators themselves are in ``models.recommend``, ``models.recommend_content`` and
``models.love``."""
