"""The sizes of synthetic workspace the generator makes. Apart from the generator so that the commands can offer the
names without loading it (and its dependencies): `gql-monitor demo --help` works before the demo extra is installed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    jobs: int
    days: int


SCALES: dict[str, Scale] = {
    "small": Scale(jobs=150, days=30),
    "medium": Scale(jobs=1_500, days=90),
    "large": Scale(jobs=10_000, days=365),
}
