"""Numerical building blocks of :class:`models.recommend.HybridRecommender` (numpy/scipy only).

* :func:`als_baselines`: Surprise-style ALS user/item biases;
* :func:`pearson_baseline` and :func:`knn_residual_mean`: KNNBaseline-style item kNN on baseline residuals;
* :func:`als_mf`: biased matrix factorisation fitted by alternating least squares (ALS-WR penalties);
* :func:`ease_weights`: EASE, the closed-form linear item autoencoder (Steck 2019).

Index arrays (``u``, ``i``) are 0-based user/item positions; every function is deterministic for its inputs.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack


def als_baselines(u, i, r, mu, n_users, n_items, reg_u=15.0, reg_i=10.0, sweeps=10):
    """Alternate closed-form ridge updates of item then user biases; returns ``(b_u, b_i)``."""
    bu, nu, ni = np.zeros(n_users), np.bincount(u, minlength=n_users), np.bincount(i, minlength=n_items)
    for _ in range(sweeps):
        bi = np.bincount(i, r - mu - bu[u], minlength=n_items) / (reg_i + ni)
        bu = np.bincount(u, r - mu - bi[i], minlength=n_users) / (reg_u + nu)
    return bu, bi


def pearson_baseline(resid: np.ndarray, mask: np.ndarray, shrinkage: float) -> np.ndarray:
    """Item-item pearson-baseline similarity over co-raters, shrunk by (n-1)/(n-1+shrinkage).

    Args:
        resid: dense users x items baseline residuals (0 where unrated).
        mask: dense users x items 0/1 matrix of who rated what.
        shrinkage: pseudo-count of the shrinkage towards 0.
    """
    num = resid.T @ resid
    sq = (resid * resid).T @ mask
    n = np.maximum(mask.T @ mask - 1, 0)
    den = np.sqrt(sq * sq.T)
    with np.errstate(invalid="ignore", divide="ignore"):
        shrink = np.where(n + shrinkage > 0, n / (n + shrinkage), 0.0)  # one co-rater, no shrinkage: 0, not NaN
        sim = np.where(den > 0, num / den, 0.0) * shrink
    np.fill_diagonal(sim, 0.0)
    return sim.astype(np.float32)


def knn_residual_mean(sim: np.ndarray, resid: np.ndarray, mask: np.ndarray, u: np.ndarray, cols: np.ndarray,
                      k: int) -> np.ndarray:
    """Similarity-weighted mean residual over each user's ``k`` most similar rated items (similarity > 0).

    Args:
        sim: kNN item x item similarities; resid, mask: users x kNN items residuals and 0/1 rated mask.
        u: user position of each pair; cols: kNN column of each pair's item (-1: no adjustment, 0 returned).
        k: neighbours.
    """
    out = np.zeros(len(u))
    for user in np.unique(u[cols >= 0]):
        idx = np.flatnonzero((u == user) & (cols >= 0))
        rated = np.flatnonzero(mask[user])
        if len(rated) == 0:
            continue
        sims, res = sim[np.ix_(cols[idx], rated)], resid[user, rated]
        if len(rated) > k:
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            sims, res = np.take_along_axis(sims, top, 1), res[top]
        sims = np.maximum(sims, 0)
        total = sims.sum(1)
        out[idx] = np.where(total > 0, (sims * res).sum(1) / np.where(total > 0, total, 1), 0)
    return out


def _ridge_solve(Mx: sp.csr_matrix, fixed: np.ndarray, target: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                 reg: float) -> tuple[np.ndarray, np.ndarray]:
    """One ALS half-step: per row of ``Mx``, ridge regression of its targets on ``[fixed, 1]``."""
    factors = fixed.shape[1]
    g = factors + 1
    A = np.hstack([fixed, np.ones((len(fixed), 1))])
    rhs = sp.csr_matrix((target, (rows, cols)), shape=Mx.shape) @ A
    gram = (Mx @ np.einsum("ma,mb->mab", A, A).reshape(len(A), g * g)).reshape(-1, g, g)
    cnt = np.asarray(Mx.sum(1)).ravel()
    gram += cnt[:, None, None] * (np.eye(g) * reg) + 1e-6 * np.eye(g)
    sol = np.linalg.solve(gram, rhs[..., None])[..., 0]
    return sol[:, :factors], sol[:, factors]


def als_mf(u, i, t, n_users, n_items, factors, reg, epochs, seed):
    """Biased MF ``t ~ b_u + b_i + p_u.q_i`` by ALS; ridge penalty ``reg * n_ratings`` (ALS-WR).

    Returns:
        ``(P, Q, b_u, b_i)``: user factors, item factors, user and item biases.
    """
    rng = np.random.default_rng(seed)
    Q, bi = rng.normal(0, 0.1, (n_items, factors)), np.zeros(n_items)
    M = sp.csr_matrix((np.ones(len(t)), (u, i)), shape=(n_users, n_items))
    MT = M.T.tocsr()
    for _ in range(epochs):
        P, bu = _ridge_solve(M, Q, t - bi[i], u, i, reg)
        Q, bi = _ridge_solve(MT, P, t - bu[u], i, u, reg)
    return P, Q, bu, bi


def ease_weights(X: sp.csr_matrix, lam: float) -> np.ndarray:
    """EASE item-item weights ``B = I - P diag(1/diag P)`` with ``P = (X'X + lam I)^-1`` (float32 Cholesky)."""
    G = (X.T @ X).toarray().astype(np.float32) + lam * np.eye(X.shape[1], dtype=np.float32)
    c, info = lapack.spotrf(G, lower=1)
    P, info2 = lapack.spotri(c, lower=1)
    if info or info2:
        raise np.linalg.LinAlgError("EASE Gram matrix is not positive definite")
    P = np.tril(P) + np.tril(P, -1).T
    B = -P / np.diag(P)[None, :]
    np.fill_diagonal(B, 0.0)
    return B
