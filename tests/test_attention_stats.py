"""Attention concentration figures: hand-computed cases and the error paths."""

from __future__ import annotations

import numpy as np
import pytest

from models.attention_stats import attention_stats, row_figures


def test_uniform_map_is_one_and_one() -> None:
    stats = attention_stats(np.full((4, 5), 1 / 20, dtype=np.float32))
    assert stats.keys == 20
    assert stats.uniform == pytest.approx(0.05)
    assert stats.max_over_uniform == pytest.approx(1.0, abs=1e-6)
    assert stats.relative_entropy == pytest.approx(1.0, abs=1e-6)


def test_one_hot_map_is_n_and_zero() -> None:
    weights = np.zeros(8)
    weights[3] = 1.0
    stats = attention_stats(weights)
    assert stats.max_over_uniform == pytest.approx(8.0)
    assert stats.relative_entropy == pytest.approx(0.0)


def test_half_on_two_of_four_keys() -> None:
    # H = log 2, log N = log 4: exactly one half; max 0.5 over uniform 0.25: 2.
    stats = attention_stats(np.array([0.5, 0.5, 0.0, 0.0]))
    assert stats.relative_entropy == pytest.approx(0.5)
    assert stats.max_over_uniform == pytest.approx(2.0)


def test_single_key_is_uniform() -> None:
    stats = attention_stats(np.array([[1.0]]))
    assert (stats.keys, stats.max_over_uniform, stats.relative_entropy) == (1, 1.0, 1.0)


def test_float32_softmax_rounding_is_accepted() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(23, 30)).astype(np.float32)
    weights = np.exp(logits) / np.exp(logits).sum()
    stats = attention_stats(weights.astype(np.float32))
    assert 1.0 < stats.max_over_uniform < weights.size
    assert 0.0 < stats.relative_entropy < 1.0


@pytest.mark.parametrize(("weights", "message"), [
    (np.array([]), "empty"),
    (np.array([0.5, 0.7]), "sum to 1"),
    (np.array([1.5, -0.5]), "non-negative"),
    (np.array([np.nan, 1.0]), "finite"),
])
def test_bad_maps_are_refused(weights: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        attention_stats(weights)


def test_row_figures_equal_the_checked_figures_of_each_map() -> None:
    rng = np.random.default_rng(4)
    rows = rng.random((6, 30)) ** 8  # peaked maps
    rows[2] = 0.0
    rows[2, 7] = 1.0  # one-hot
    rows /= rows.sum(axis=1, keepdims=True)
    peak, entropy = row_figures(rows)
    for i, row in enumerate(rows):
        stats = attention_stats(row)
        assert peak[i] == pytest.approx(stats.max_over_uniform)
        assert entropy[i] == pytest.approx(stats.relative_entropy, abs=1e-12)
    assert peak[2] == 30 and entropy[2] == 0
