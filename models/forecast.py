"""Monthly forecasting: Prophet, simple baselines and an ensemble (the holdout backtest is ``models.backtest``).

Every forecaster follows one contract: ``fit(history)`` with a monthly frame ``ds, y`` (month-start dates,
no gaps; ``models.timeseries.monthly_series`` builds one from event rows) returns self, and
``predict(horizon)`` returns ``ds, yhat, yhat_lower, yhat_upper`` for the next ``horizon`` month starts.

Conventions shared by all of them:
- ``log=True`` fits on ``log1p(y)`` and back-transforms with ``expm1``. The point forecast is then a
  median rather than a mean, which is what MAE/MASE reward on skewed count series (a few huge months);
  summed over months it is biased low. Series with values <= -1 are fitted on the raw scale.
- Non-negative histories get non-negative forecasts and bands (clipped at 0).
- Bands are empirical: quantiles of in-sample forecast errors, widened with the horizon where the model
  implies it (Prophet uses its own simulated intervals).

Prophet is imported inside ``ProphetForecaster.fit`` so importing this module stays light.
"""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from models.base import require_fitted
from models.timeseries import momentum, monthly_series, seasonal_profile  # noqa: F401  (re-exported)

SEASON = 12


# --------------------------------------------------------------------------- input checks
def _as_history(history: pd.DataFrame) -> pd.DataFrame:
    """Validated copy: month-start ``ds``, float ``y``, sorted; raises ValueError on gaps or NaN."""
    if not {"ds", "y"} <= set(history.columns):
        raise ValueError("history needs columns 'ds' and 'y'")
    out = pd.DataFrame({
        "ds": pd.to_datetime(history["ds"]).dt.to_period("M").dt.to_timestamp(),
        "y": pd.to_numeric(history["y"], errors="coerce").astype("float64"),
    }).sort_values("ds", ignore_index=True)
    if out.empty:
        raise ValueError("history is empty")
    if out["y"].isna().any() or out["ds"].isna().any():
        raise ValueError("history has missing dates or values")
    months = out["ds"].dt.to_period("M")
    if months.duplicated().any():
        raise ValueError("history has more than one row for a month")
    if len(out) > 1 and (months.diff().iloc[1:].map(lambda d: d.n) != 1).any():
        raise ValueError("history has missing months; build it with monthly_series() to fill them")
    return out


def check_series(history: pd.DataFrame, min_months: int = 24, max_zero_share: float = 0.5) -> str | None:
    """Why a series cannot be forecast sensibly, or None if it can.

    Args:
        history: frame with ``ds`` and ``y``.
        min_months: shortest history accepted (two seasons by default).
        max_zero_share: largest share of zero months accepted.

    Returns:
        A sentence for the page ("Only 8 months of history ...") or None.
    """
    if history is None or history.empty or not {"ds", "y"} <= set(history.columns):
        return "There is no history to forecast."
    try:
        h = _as_history(history)
    except ValueError as exc:
        return f"The series cannot be used as it is: {exc}."
    n = len(h)
    if n < min_months:
        return (f"Only {n} month{'s' if n != 1 else ''} of history; at least {min_months} are needed "
                "for a forecast.")
    y = h["y"].to_numpy()
    if np.ptp(y) == 0:
        return f"The series is flat (every month is {y[0]:g}); there is nothing to forecast."
    zero_share = float(np.mean(y == 0))
    if zero_share > max_zero_share:
        return f"{zero_share:.0%} of months are zero; the series is too sparse to forecast."
    return None


# --------------------------------------------------------------------------- shared machinery
class _MonthlyForecaster(BaseEstimator):
    """Shared fit/predict plumbing: validation, log scale, future dates, clipping, the output frame."""

    def fit(self, history: pd.DataFrame) -> "_MonthlyForecaster":
        """Fit on a monthly history.

        Args:
            history: frame with ``ds`` (dates, one per month, no gaps) and numeric ``y``. Not modified.

        Returns:
            self, with ``log_``, ``nonnegative_``, ``last_ds_``, ``n_obs_`` and model-specific attributes.

        Raises:
            ValueError: missing columns, values or months (see ``check_series`` for a friendly check).
        """
        h = _as_history(history)
        y = h["y"].to_numpy()
        self.log_ = self._wants_log(y) and bool(np.all(y > -1))
        self.nonnegative_ = bool(np.all(y >= 0))
        self.last_ds_ = h["ds"].iloc[-1]
        self.n_obs_ = len(y)
        self._fit_values(np.log1p(y) if self.log_ else y, h)
        return self

    def _wants_log(self, y: np.ndarray) -> bool:
        return bool(getattr(self, "log", False))

    def predict(self, horizon: int) -> pd.DataFrame:
        """Forecast the ``horizon`` month starts after the last fitted month.

        Returns:
            Frame ``ds, yhat, yhat_lower, yhat_upper`` with ``yhat_lower <= yhat <= yhat_upper``.
        """
        require_fitted(self, "last_ds_")
        horizon = int(horizon)
        if horizon < 1:
            raise ValueError("horizon must be at least 1")
        ds = pd.date_range(self.last_ds_ + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
        mid, lo, hi = (np.asarray(a, dtype=float) for a in self._predict_values(horizon, ds))
        if self.log_:
            mid, lo, hi = np.expm1(mid), np.expm1(lo), np.expm1(hi)
        return _frame(ds, mid, lo, hi, self.nonnegative_)

    def _band(self, mid: np.ndarray, residuals: np.ndarray, spread: np.ndarray) -> tuple:
        """Point +- residual quantiles scaled by ``spread`` (1 for flat-error models)."""
        width = float(getattr(self, "interval_width", 0.8))
        r = residuals[np.isfinite(residuals)]
        if r.size == 0:
            return mid, mid, mid
        q_lo, q_hi = np.quantile(r, [(1 - width) / 2, (1 + width) / 2])
        return mid, mid + min(q_lo, 0.0) * spread, mid + max(q_hi, 0.0) * spread


def _frame(ds, mid, lo, hi, nonnegative: bool) -> pd.DataFrame:
    lo, hi = np.minimum(lo, mid), np.maximum(hi, mid)
    if nonnegative:
        mid, lo, hi = np.maximum(mid, 0), np.maximum(lo, 0), np.maximum(hi, 0)
    return pd.DataFrame({"ds": pd.DatetimeIndex(ds), "yhat": mid, "yhat_lower": lo, "yhat_upper": hi})


# --------------------------------------------------------------------------- baselines
class SeasonalNaiveForecaster(_MonthlyForecaster):
    """Repeat the last full season; band from seasonal differences, widened per season ahead."""

    def __init__(self, season: int = SEASON, interval_width: float = 0.8, log: bool = False):
        self.season = season
        self.interval_width = interval_width
        self.log = log

    def _fit_values(self, y: np.ndarray, history: pd.DataFrame) -> None:
        m = min(int(self.season), len(y))
        self.last_season_ = y[-m:]
        self.residuals_ = y[m:] - y[:-m] if len(y) > m else np.array([])

    def _predict_values(self, horizon: int, ds) -> tuple:
        m = len(self.last_season_)
        k = np.arange(horizon)
        mid = self.last_season_[k % m]
        return self._band(mid, self.residuals_, np.sqrt(k // m + 1.0))


class MeanForecaster(_MonthlyForecaster):
    """Flat forecast at the mean of the last ``window`` months; band from rolling-mean errors."""

    def __init__(self, window: int = SEASON, interval_width: float = 0.8, log: bool = False):
        self.window = window
        self.interval_width = interval_width
        self.log = log

    def _fit_values(self, y: np.ndarray, history: pd.DataFrame) -> None:
        w = min(int(self.window), len(y))
        self.level_ = float(y[-w:].mean())
        rolling = pd.Series(y).rolling(w).mean().shift(1).to_numpy()
        self.residuals_ = y - rolling

    def _predict_values(self, horizon: int, ds) -> tuple:
        return self._band(np.full(horizon, self.level_), self.residuals_, np.ones(horizon))


class DampedTrendForecaster(_MonthlyForecaster):
    """Additive damped-trend exponential smoothing, ETS(A,Ad,N), fitted by minimising one-step SSE.

    ``l_t = l_{t-1} + phi b_{t-1} + alpha e_t``, ``b_t = phi b_{t-1} + beta e_t`` with ``beta <= alpha``
    and ``phi`` in ``phi_bounds``. The one-step errors are linear in the initial level and trend, so
    those are solved by least squares for each (alpha, beta, phi) and only three parameters are searched
    (bounded Nelder-Mead from two starts). The band scales residual quantiles by the model's h-step variance
    factor ``1 + sum_j (alpha + beta (phi + ... + phi^j))^2``.
    """

    def __init__(self, phi_bounds: tuple = (0.8, 0.98), interval_width: float = 0.8, log: bool = False):
        self.phi_bounds = phi_bounds
        self.interval_width = interval_width
        self.log = log

    def _fit_values(self, y: np.ndarray, history: pd.DataFrame) -> None:
        from scipy.optimize import minimize  # lazy (as lfilter below): keeps importing this module light

        scale = float(np.std(y)) or 1.0
        z = (y - y.mean()) / scale  # scale-free search
        bounds = [(1e-4, 1.0), (0.0, 1.0), tuple(self.phi_bounds)]
        starts = [(a, 0.1, float(np.mean(self.phi_bounds))) for a in (0.1, 0.5)]
        best = min((minimize(_damped_sse, x0, args=(z,), method="Nelder-Mead", bounds=bounds) for x0 in starts),
                   key=lambda r: r.fun)
        alpha, beta_frac, phi = (float(v) for v in best.x)
        errors, level, trend = _damped_filter(alpha, alpha * beta_frac, phi, z)
        self.alpha_, self.beta_, self.phi_ = alpha, alpha * beta_frac, phi
        self.level_ = level * scale + y.mean()
        self.trend_ = trend * scale
        self.residuals_ = errors * scale

    def _predict_values(self, horizon: int, ds) -> tuple:
        j = np.arange(1, horizon + 1)
        phi_sum = np.cumsum(self.phi_ ** j)  # phi + phi^2 + ... + phi^h
        mid = self.level_ + phi_sum * self.trend_
        c = self.alpha_ + self.beta_ * phi_sum[:-1]
        variance = 1.0 + np.concatenate([[0.0], np.cumsum(c ** 2)])
        return self._band(mid, self.residuals_, np.sqrt(variance))


def _damped_filter(alpha: float, beta: float, phi: float, z: np.ndarray) -> tuple:
    """One-step errors, final level and final trend, with the least-squares initial state.

    Uses the ARIMA(1,1,2) form of ETS(A,Ad,N), ``(1-B)(1-phi B) z_t = (1 - t1 B - t2 B^2) e_t`` with
    ``t1 = 1 + phi - alpha - phi beta`` and ``t2 = -phi (1 - alpha)``: ``lfilter`` gives the errors for a
    zero initial state, plus the free responses to a unit initial level and trend.
    """
    from scipy.signal import lfilter

    t1, t2 = 1 + phi - alpha - phi * beta, -phi * (1 - alpha)
    ma = [1.0, -t1, -t2]
    e_zero = lfilter([1.0, -(1 + phi), phi], ma, z)
    impulses = np.zeros((len(z), 2))
    for col, (l0, b0) in enumerate(((1.0, 0.0), (0.0, 1.0))):
        e1 = -(l0 + phi * b0)
        l1, b1 = l0 + phi * b0 + alpha * e1, phi * b0 + beta * e1
        impulses[0, col] = e1
        if len(z) > 1:
            impulses[1, col] = -(l1 + phi * b1) - t1 * e1
    free = lfilter([1.0], ma, impulses, axis=0)
    gram = free.T @ free + 1e-9 * np.eye(2)  # tiny ridge: one-month histories leave the trend unidentified
    init = np.linalg.solve(gram, -free.T @ e_zero)
    errors = e_zero + free @ init
    level = z[-1] - (1 - alpha) * errors[-1]
    trend = lfilter([beta], [1.0, -phi], errors)[-1] + phi ** len(z) * init[1]
    return errors, float(level), float(trend)


def _damped_sse(params, z: np.ndarray) -> float:
    errors, _, _ = _damped_filter(params[0], params[0] * params[1], params[2], z)
    sse = float(errors @ errors)
    return sse if np.isfinite(sse) else 1e300


# --------------------------------------------------------------------------- Prophet
def _silence_stan_logs() -> None:
    """Keep cmdstanpy/prophet INFO chatter out of the app log (idempotent).

    cmdstanpy installs its own INFO handler (and resets its level) whenever its logger has no handler,
    so a NullHandler goes on first; propagation is off so the root logger does not print them either.
    """
    for name in ("cmdstanpy", "prophet"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        logger.setLevel(logging.ERROR)
        logger.propagate = False


class ProphetForecaster(_MonthlyForecaster):
    """Prophet with yearly seasonality on month-start data.

    Zeros and multiplicative seasonality: ``log=None`` (auto) fits on ``log1p(y)`` when the mode is
    multiplicative and the series has a value <= 0, because Prophet's multiplicative mode scales the
    seasonal terms by a trend that can reach 0 (and then forecasts flat zeros or negatives). On the log
    scale the seasonality is additive, which is multiplicative on the original scale. ``log=True``
    always fits on the log scale, ``log=False`` never. The mode actually used is ``seasonality_mode_``.
    """

    def __init__(self, seasonality_mode: str = "multiplicative", yearly_seasonality=True,
                 interval_width: float = 0.8, log: bool | None = None, changepoint_prior_scale: float = 0.05,
                 uncertainty_samples: int = 500, random_state: int = 0):
        self.seasonality_mode = seasonality_mode
        self.yearly_seasonality = yearly_seasonality
        self.interval_width = interval_width
        self.log = log
        self.changepoint_prior_scale = changepoint_prior_scale
        self.uncertainty_samples = uncertainty_samples
        self.random_state = random_state

    def _wants_log(self, y: np.ndarray) -> bool:
        if self.log is None:
            return self.seasonality_mode == "multiplicative" and bool(np.any(y <= 0))
        return bool(self.log)

    def _fit_values(self, y: np.ndarray, history: pd.DataFrame) -> None:
        _silence_stan_logs()
        from prophet import Prophet  # lazy: heavy import, only when a Prophet forecast is asked for

        self.seasonality_mode_ = "additive" if self.log_ else self.seasonality_mode
        self.model_ = Prophet(
            seasonality_mode=self.seasonality_mode_, yearly_seasonality=self.yearly_seasonality,
            weekly_seasonality=False, daily_seasonality=False, interval_width=self.interval_width,
            changepoint_prior_scale=self.changepoint_prior_scale,
            uncertainty_samples=self.uncertainty_samples,
        ).fit(pd.DataFrame({"ds": history["ds"], "y": y}), seed=self.random_state)

    def _predict_values(self, horizon: int, ds) -> tuple:
        # Prophet samples its band from numpy's global RNG: seed it for a reproducible band, then restore
        # the caller's state (not thread-safe; concurrent users of np.random in other threads may interleave).
        state = np.random.get_state()
        np.random.seed(self.random_state)
        try:
            out = self.model_.predict(pd.DataFrame({"ds": ds}))
        finally:
            np.random.set_state(state)
        return out["yhat"], out["yhat_lower"], out["yhat_upper"]


# --------------------------------------------------------------------------- ensemble
_MEMBERS = {
    "prophet": lambda log, width, seed: ProphetForecaster(log=True if log else None, interval_width=width,
                                                          random_state=seed),
    "damped": lambda log, width, seed: DampedTrendForecaster(log=log, interval_width=width),
    "mean": lambda log, width, seed: MeanForecaster(log=log, interval_width=width),
    "snaive": lambda log, width, seed: SeasonalNaiveForecaster(log=log, interval_width=width),
}


class EnsembleForecaster(_MonthlyForecaster):
    """Month-by-month mean (or median) of several forecasters, each fitted on one or more scales.

    Every member in ``members`` (``"prophet"``, ``"damped"``, ``"mean"``, ``"snaive"``) is fitted once per
    entry of ``scales`` (``"raw"``, ``"log1p"``); point forecasts and band edges are combined with
    ``combine``. Averaging a raw-scale fit (a mean forecast) with a log-scale fit (about a median) shrinks
    the forecast towards the typical month, which helps on skewed count series without assuming they are
    skewed. The default (damped trend on both scales, averaged) was chosen by rolling 12-month holdouts on
    the six largest MovieLens genres; ``bench/bench_forecast.py`` prints the figures.
    """

    def __init__(self, members: tuple = ("damped",), scales: tuple = ("raw", "log1p"), combine: str = "mean",
                 interval_width: float = 0.8, random_state: int = 0):
        self.members = members
        self.scales = scales
        self.combine = combine
        self.interval_width = interval_width
        self.random_state = random_state

    def _wants_log(self, y: np.ndarray) -> bool:
        return False  # each member applies its own scale

    def _fit_values(self, y: np.ndarray, history: pd.DataFrame) -> None:
        members, scales = tuple(self.members), tuple(self.scales)
        if not members or not set(members) <= set(_MEMBERS):
            raise ValueError(f"members must be a non-empty tuple from {sorted(_MEMBERS)}; got {members}")
        if not scales or not set(scales) <= {"raw", "log1p"}:
            raise ValueError(f"scales must be a non-empty tuple from ('raw', 'log1p'); got {scales}")
        if self.combine not in ("mean", "median"):
            raise ValueError("combine must be 'mean' or 'median'")
        self.estimators_ = [
            _MEMBERS[name](scale == "log1p", self.interval_width, self.random_state).fit(history)
            for name in members for scale in scales
        ]

    def _predict_values(self, horizon: int, ds) -> tuple:
        parts = [est.predict(horizon) for est in self.estimators_]
        reduce = np.median if self.combine == "median" else np.mean
        return tuple(reduce(np.vstack([p[c].to_numpy() for p in parts]), axis=0)
                     for c in ("yhat", "yhat_lower", "yhat_upper"))


# --------------------------------------------------------------------------- evaluation
