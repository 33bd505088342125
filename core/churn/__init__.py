"""Churn: cross-validated models and the campaign economics (``evaluation``), one subscriber's score and its
factors (``scoring``), subscriber segments (``segments``), labels and tables (``display``) and the sentences the
page writes (``insights``); ``charts``, ``cache`` and the page body (``view``)."""
