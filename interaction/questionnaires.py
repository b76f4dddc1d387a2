"""Post-trial questionnaires scored by their published rules.

NASA-TLX "raw" (Hart 2006, RTLX): six subscales rated 0-100; the workload score is their
unweighted mean (the pairwise weighting step is skipped, as most studies now do).
SUS (Brooke 1996): ten items rated 1-5; odd (positively worded) items contribute
score - 1, even (negatively worded) items 5 - score; the sum times 2.5 gives 0-100.

Answers are validated on entry (a questionnaire with a 7 on a 1-5 item is a typing error
the facilitator must see at once, not a strange mean in the report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TLX_SUBSCALES = ("mental", "physical", "temporal", "performance", "effort", "frustration")

SUS_ITEMS = (
    "I think that I would like to use this system frequently.",
    "I found the system unnecessarily complex.",
    "I thought the system was easy to use.",
    "I think that I would need the support of a technical person to be able to use this system.",
    "I found the various functions in this system were well integrated.",
    "I thought there was too much inconsistency in this system.",
    "I would imagine that most people would learn to use this system very quickly.",
    "I found the system very cumbersome to use.",
    "I felt very confident using the system.",
    "I needed to learn a lot of things before I could get going with this system.",
)


@dataclass(frozen=True)
class NasaTlx:
    """Raw NASA-TLX ratings, each 0 (very low) .. 100 (very high; for performance: failure)."""

    mental: float
    physical: float
    temporal: float
    performance: float
    effort: float
    frustration: float

    def __post_init__(self) -> None:
        for name in TLX_SUBSCALES:
            value = getattr(self, name)
            if not 0 <= value <= 100:
                raise ValueError(f"NASA-TLX {name} must be 0..100, got {value}")

    @property
    def score(self) -> float:
        """Raw TLX workload: the mean of the six subscales."""
        return sum(getattr(self, n) for n in TLX_SUBSCALES) / len(TLX_SUBSCALES)

    def to_dict(self) -> dict[str, Any]:
        return {**{n: getattr(self, n) for n in TLX_SUBSCALES}, "score": self.score}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NasaTlx:
        missing = [n for n in TLX_SUBSCALES if n not in d]
        if missing:
            raise ValueError(f"NASA-TLX is missing {', '.join(missing)}")
        return cls(**{n: float(d[n]) for n in TLX_SUBSCALES})


@dataclass(frozen=True)
class Sus:
    """System Usability Scale answers, item 1..10 in questionnaire order, each 1..5."""

    answers: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.answers) != len(SUS_ITEMS):
            raise ValueError(f"SUS has {len(SUS_ITEMS)} items, got {len(self.answers)} answers")
        for i, a in enumerate(self.answers, 1):
            if a not in (1, 2, 3, 4, 5):
                raise ValueError(f"SUS item {i} must be 1..5, got {a}")

    @property
    def score(self) -> float:
        """0..100: odd items (1st, 3rd, ...) give answer - 1, even items 5 - answer; sum x 2.5."""
        total = sum((a - 1) if i % 2 == 0 else (5 - a) for i, a in enumerate(self.answers))
        return total * 2.5

    def to_dict(self) -> dict[str, Any]:
        return {"answers": list(self.answers), "score": self.score}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Sus:
        answers: Sequence[Any] = d.get("answers", ())
        return cls(tuple(int(a) for a in answers))


QUESTIONNAIRES: dict[str, type[NasaTlx] | type[Sus]] = {"nasa_tlx": NasaTlx, "sus": Sus}


def questionnaire_from_dict(kind: str, d: Mapping[str, Any]) -> NasaTlx | Sus:
    """Rebuild (and re-validate) a stored questionnaire; ValueError for unknown kinds."""
    if kind not in QUESTIONNAIRES:
        raise ValueError(f"unknown questionnaire {kind!r} (known: {', '.join(QUESTIONNAIRES)})")
    return QUESTIONNAIRES[kind].from_dict(d)


def questionnaire_kind(q: NasaTlx | Sus) -> str:
    return "nasa_tlx" if isinstance(q, NasaTlx) else "sus"
