"""What every part of the synthetic load shares: the seeded random streams, the calendar, the marker of synthetic
rows."""

import datetime
import random
from dataclasses import dataclass, field

SYNTHETIC_SOURCE = "synthetic"  # AdministrativeUnit.source of every generated unit
USER_PREFIX = "synth."  # username prefix of every generated user
REFORM_DATE = datetime.date(2025, 7, 1)
YEARS = (2024, 2025, 2026)
NEW_CAPITAL_YEARS = (2024, 2025)  # phase I; 2026 (phase II) holds only the balances carried over from 2025
# The last day any generated record carries. Fixed, so that the same seed gives the same rows whatever the day the
# command runs; the command refuses to run while the portal's clock is before it ("not in the future").
DATA_UNTIL = datetime.date(2026, 10, 31)

# Targets at scale 1.0 (the national figures).
TARGETS = {
    "allocations": 200_000,
    "disbursements": 1_000_000,
    "persons": 30_000,
    "support_activities": 150_000,
    "households": 2_000_000,
    "household_supports": 3_000_000,
}

_FIRST = datetime.date(2020, 1, 1).toordinal()
_LAST = datetime.date(2028, 1, 1).toordinal()
ISO = {ordinal: datetime.date.fromordinal(ordinal).isoformat() for ordinal in range(_FIRST, _LAST)}
UNTIL = DATA_UNTIL.toordinal()


def ordinal(year: int, month: int, day: int) -> int:
    return datetime.date(year, month, day).toordinal()


def stamp(day_ordinal: int, minutes: int) -> str:
    """A timestamp (UTC, as the database stores it) on a day: `minutes` after 01:00 UTC, i.e. office hours in
    Vietnam (08:00 +07:00) for minutes below 600."""
    minutes = minutes % 600
    return f"{ISO[day_ordinal]} {1 + minutes // 60:02d}:{minutes % 60:02d}:00"


@dataclass
class Context:
    seed: int
    scale: float
    counts: dict = field(default_factory=dict)

    def rng(self, *parts) -> random.Random:
        """An independent stream per purpose: adding draws to one part never shifts another part's rows."""
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def target(self, name: str) -> int:
        return max(1, round(TARGETS[name] * self.scale))


def weighted_picker(rng: random.Random, items_weights, resolution: int = 1000):
    """A fast picker over weighted items: a table of `resolution` slots, one random() per pick."""
    total = sum(w for _item, w in items_weights)
    table = []
    for item, weight in items_weights:
        table += [item] * max(1, round(weight / total * resolution))
    size = len(table)
    rand = rng.random
    return lambda: table[int(rand() * size)]
