"""Integrity: suspicious raters (``raters``), vote patterns IMDb set aside (``votes``), rating-based sentiment
(``sentiment``), their tables (``display``) and sentences (``insights``); ``charts``, ``cache`` and the page
body (``view``)."""
