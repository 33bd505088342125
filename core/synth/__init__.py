"""A synthetic OTT streaming platform with planted, labelled truth: ``python -m core generate``.

Everything here is SYNTHETIC data drawn from seeded random generators, not real viewers, titles or reviews.
``generate.generate`` writes the five canonical tables of ``core.data.contract`` as Parquet (titles,
subscribers, watch_events, ratings, reviews), ``truth.parquet`` (every planted bot rater, rating burst and
review farm) and ``manifest.json`` (sizes, row counts, the true churn drivers and the planted counts). The same
seed gives byte-identical files.

Modules, one per stage: ``params`` (presets, sizes, constants), ``catalogue`` (titles), ``audience``
(subscribers, tastes, churn), ``events`` (watch events, genuine ratings and reviews per block of users),
``text`` (names and review phrases), ``fraud`` (planted fake engagement), ``arrow`` (ids and tables),
``check`` (the contract self-check), ``generate`` (the pipeline and manifest) and ``cli``.
"""
