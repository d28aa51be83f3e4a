"""A character CNN written in numpy, for the offensive-comment experiments (bench/offensive_models.py):
embedding -> convolutions of widths 2, 3 and 4 -> ReLU -> max-pool over positions -> dense ReLU
-> logistic output; trained with Adam on binary cross-entropy, dropout on the pooled features.
Nothing here needs torch or a GPU; the gradients are checked in tests/unit/test_char_cnn.py."""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

MAXLEN, DIM, FILTERS, HIDDEN = 160, 48, 96, 64
WIDTHS = (2, 3, 4)
Params = dict[str, np.ndarray]


def plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())[:MAXLEN]


def vocabulary(texts: Sequence[str], min_count: int = 2) -> dict[str, int]:
    """Characters seen at least `min_count` times; 0 pads, 1 is an unknown character."""
    counts = Counter(char for text in texts for char in plain(text))
    kept = sorted(char for char, n in counts.items() if n >= min_count)
    return {char: i + 2 for i, char in enumerate(kept)}


def encode(texts: Sequence[str], vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.zeros((len(texts), MAXLEN + max(WIDTHS)), dtype=np.int32)
    lengths = np.zeros(len(texts), dtype=np.int32)
    for row, text in enumerate(texts):
        chars = [vocab.get(char, 1) for char in plain(text)] or [1]
        ids[row, : len(chars)] = chars
        lengths[row] = len(chars)
    return ids, lengths


def initial(size: int, rng: np.random.Generator) -> Params:
    def he(rows: int, cols: int, gain: float = 2.0) -> np.ndarray:
        return (rng.normal(0, 1, (rows, cols)) * np.sqrt(gain / rows)).astype(np.float32)

    params: Params = {"E": rng.normal(0, 0.1, (size, DIM)).astype(np.float32)}
    for k in WIDTHS:
        params[f"C{k}"], params[f"c{k}"] = he(k * DIM, FILTERS), np.zeros(FILTERS, np.float32)
    params["W1"], params["b1"] = he(FILTERS * len(WIDTHS), HIDDEN), np.zeros(HIDDEN, np.float32)
    params["W2"], params["b2"] = he(HIDDEN, 1, 1.0), np.zeros(1, np.float32)
    return params


def forward(params: Params, ids: np.ndarray, lengths: np.ndarray, drop: float = 0.0, rng=None):
    """P(offensive) per row, and what the backward pass needs."""
    span = int(lengths.max())
    emb = params["E"][ids[:, : span + max(WIDTHS)]]
    position = np.arange(span)[None, :, None]
    pools, convs = [], []
    for k in WIDTHS:
        windows = np.concatenate([emb[:, j : j + span] for j in range(k)], axis=2)
        act = np.maximum(windows @ params[f"C{k}"] + params[f"c{k}"], 0)
        act *= position < np.maximum(lengths[:, None, None] - k + 1, 1)
        best = act.argmax(axis=1)
        pools.append(np.take_along_axis(act, best[:, None, :], 1)[:, 0])
        convs.append((k, best, windows))
    pool = np.concatenate(pools, axis=1)
    mask = None
    if drop:
        mask = (rng.random(pool.shape) >= drop).astype(np.float32) / (1 - drop)
        pool = pool * mask
    pre = pool @ params["W1"] + params["b1"]
    hidden = np.maximum(pre, 0)
    logit = (hidden @ params["W2"] + params["b2"])[:, 0]
    return 1 / (1 + np.exp(-logit)), (ids, pool, mask, pre, hidden, convs)


def backward(params: Params, prob: np.ndarray, labels: np.ndarray, state) -> Params:
    """Gradients of the mean binary cross-entropy; the convolutions only at their max positions."""
    ids, pool, mask, pre, hidden, convs = state
    rows = len(labels)
    grads: Params = {}
    d_logit = ((prob - labels) / rows).astype(np.float32)[:, None]
    grads["W2"], grads["b2"] = hidden.T @ d_logit, d_logit.sum(0)
    d_pre = (d_logit @ params["W2"].T) * (pre > 0)
    grads["W1"], grads["b1"] = pool.T @ d_pre, d_pre.sum(0)
    d_pool = d_pre @ params["W1"].T * (pool > 0)
    if mask is not None:
        d_pool = d_pool * mask
    d_emb = np.zeros_like(params["E"])
    row = np.arange(rows)[:, None]
    for i, (k, best, windows) in enumerate(convs):
        d_max = d_pool[:, i * FILTERS : (i + 1) * FILTERS]
        grads[f"C{k}"] = np.einsum("bfk,bf->kf", windows[row, best], d_max)
        grads[f"c{k}"] = d_max.sum(0)
        d_windows = np.einsum("bf,kf->bfk", d_max, params[f"C{k}"]).reshape(rows, FILTERS, k, DIM)
        chars = ids[row[:, :, None], best[:, :, None] + np.arange(k)[None, None, :]]
        np.add.at(d_emb, chars.ravel(), d_windows.reshape(-1, DIM))
    grads["E"] = d_emb
    return grads


def predict(params: Params, ids: np.ndarray, lengths: np.ndarray, batch: int = 512) -> np.ndarray:
    parts = [
        forward(params, ids[s : s + batch], lengths[s : s + batch])[0] for s in range(0, len(ids), batch)
    ]
    return np.concatenate(parts)


class Adam:
    def __init__(self, params: Params, rate: float = 2e-3) -> None:
        self.rate, self.step = rate, 0
        self.first = {k: np.zeros_like(v) for k, v in params.items()}
        self.second = {k: np.zeros_like(v) for k, v in params.items()}

    def update(self, params: Params, grads: Params) -> None:
        self.step += 1
        for k, grad in grads.items():
            self.first[k] = 0.9 * self.first[k] + 0.1 * grad
            self.second[k] = 0.999 * self.second[k] + 0.001 * grad**2
            first = self.first[k] / (1 - 0.9**self.step)
            second = self.second[k] / (1 - 0.999**self.step)
            params[k] -= self.rate * first / (np.sqrt(second) + 1e-8)


def train(
    texts: Sequence[str],
    labels: np.ndarray,
    epochs: int,
    *,
    seed: int = 0,
    batch: int = 64,
    drop: float = 0.3,
    after_epoch: Callable[[int, Params, dict[str, int]], None] | None = None,
) -> tuple[Params, dict[str, int]]:
    """Fit for `epochs` passes; `after_epoch(epoch, params, vocab)` sees the model after each."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary(texts)
    ids, lengths = encode(texts, vocab)
    params = initial(len(vocab) + 2, rng)
    adam = Adam(params)
    for epoch in range(1, epochs + 1):
        started, order = time.time(), rng.permutation(len(ids))
        for start in range(0, len(ids), batch):
            take = order[start : start + batch]
            prob, state = forward(params, ids[take], lengths[take], drop, rng)
            adam.update(params, backward(params, prob, labels[take].astype(np.float32), state))
        print(f"epoch {epoch}: {time.time() - started:.0f} s", flush=True)
        if after_epoch:
            after_epoch(epoch, params, vocab)
    return params, vocab
