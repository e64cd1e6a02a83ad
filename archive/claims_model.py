"""The weights that combine a hunk's claim signals into a verdict, and how they are applied.

A hunk is described by named features (which claim signals it changes, how
many content words it brings in or takes out, how big it is, where it sits);
``benchmarks/claims_fit.py`` fits a logistic regression over them on
human-labelled edits and writes ``claims_model.json`` beside this module. A
hunk is substantive when its score reaches the fitted threshold. The model is
plain data, so every verdict can be explained feature by feature.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["FORMAT", "Model", "load", "MODEL_FILE"]

FORMAT = 1
MODEL_FILE = "claims_model.json"


@dataclass(frozen=True)
class Model:
    """A logistic regression over named features, standardized by ``means`` and ``scales``."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    about: Mapping[str, Any]

    def contributions(self, values: Mapping[str, float]) -> dict[str, float]:
        """Each feature's share of the score (log-odds), relative to an average hunk."""
        return {
            name: weight * (values.get(name, 0.0) - mean) / scale
            for name, weight, mean, scale in zip(self.features, self.weights, self.means, self.scales, strict=True)
        }

    def score(self, values: Mapping[str, float]) -> float:
        """The probability that the hunk changes a claim."""
        return _sigmoid(self.bias + sum(self.contributions(values).values()))

    def substantive(self, values: Mapping[str, float]) -> bool:
        return self.score(values) >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "about": dict(self.about),
            "threshold": self.threshold,
            "bias": self.bias,
            "features": {
                name: {"weight": weight, "mean": mean, "scale": scale}
                for name, weight, mean, scale in zip(self.features, self.weights, self.means, self.scales, strict=True)
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        if data.get("format") != FORMAT:
            raise ValueError(f"claims model format {data.get('format')!r}, expected {FORMAT}")
        features = data["features"]
        names = tuple(features)
        return cls(
            names,
            tuple(float(features[name]["weight"]) for name in names),
            float(data["bias"]),
            float(data["threshold"]),
            tuple(float(features[name]["mean"]) for name in names),
            tuple(float(features[name]["scale"]) or 1.0 for name in names),
            dict(data.get("about", {})),
        )


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@cache
def load(path: Path | None = None) -> Model:
    """The shipped model (``archive/claims_model.json``), or the one at ``path``."""
    if path is None:
        text = resources.files("archive").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return Model.from_dict(json.loads(text))
