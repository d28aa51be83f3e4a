"""Weighted L2-regularised logistic regression by Newton's method: deterministic, no seed, a
handful of named weights a person can read (docs/reach.md prints them)."""

from __future__ import annotations

import numpy as np

ITERATIONS = 50
TOLERANCE = 1e-8


def fit_logistic(x: np.ndarray, y: np.ndarray, weights: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """Minimise sum_i weights_i * logloss_i + l2/2 * |w|^2 (the intercept not penalised);
    returns [intercept, w...]."""
    design = np.hstack([np.ones((len(x), 1)), x])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0
    theta = np.zeros(design.shape[1])
    for _ in range(ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-(design @ theta)))
        gradient = design.T @ (weights * (p - y)) + penalty * theta
        hessian = (design.T * (weights * p * (1 - p))) @ design + np.diag(penalty)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(theta)), gradient)
        theta -= step
        if np.abs(step).max() < TOLERANCE:
            break
    return theta
