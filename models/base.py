"""What every Marquee estimator shares: storing constructor parameters the scikit-learn way."""
from __future__ import annotations


def store_params(estimator: object, params: dict) -> None:
    """Set each constructor argument as an attribute of the same name, unchanged (scikit-learn's contract:
    ``__init__`` only stores, so ``get_params``/``set_params``/``clone`` round-trip).

    Call it as ``store_params(self, locals())`` first thing in ``__init__``.
    """
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)
