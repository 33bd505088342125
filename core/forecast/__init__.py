"""Forecast: monthly series and model runs (``engine``), seasonality and momentum (``dynamics``), what the
page says about them (``report``); ``charts``, ``cache`` and the page body (``view``)."""
