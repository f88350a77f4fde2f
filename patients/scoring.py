"""Scoring of the outcome questionnaires, exactly as published.

Each function takes the patient's answers and returns a `Score`. They are pure so they can be
checked against the worked examples in the tests.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Score:
    value: Decimal
    band: str


def _round(value: Decimal, places: str = "0.1") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


# --- Oswestry Disability Index -------------------------------------------------------------
ODI_SECTIONS = 10
ODI_BANDS = [(20, "minimal"), (40, "moderate"), (60, "severe"), (80, "crippling"), (100, "bed-bound")]


def odi(section_scores: list[int | None]) -> Score:
    """10 sections scored 0–5 (None = not answered); score = sum ÷ (5 × answered) × 100."""
    if len(section_scores) != ODI_SECTIONS:
        raise ValueError(f"ODI has {ODI_SECTIONS} sections, got {len(section_scores)}")
    answered = [s for s in section_scores if s is not None]
    if not answered:
        raise ValueError("ODI needs at least one answered section")
    if any(not 0 <= s <= 5 for s in answered):
        raise ValueError("ODI sections are scored 0–5")
    value = _round(Decimal(sum(answered)) * 100 / (5 * len(answered)))
    band = next(name for upper, name in ODI_BANDS if value <= upper)
    return Score(value, band)


# --- Patient-Specific Functional Scale --------------------------------------------------------
def psfs(activity_scores: list[int]) -> Score:
    """One to five activities, each 0 (unable) to 10 (as before the problem); score = mean."""
    if not 1 <= len(activity_scores) <= 5:
        raise ValueError("PSFS needs 1 to 5 activities")
    if any(not 0 <= s <= 10 for s in activity_scores):
        raise ValueError("PSFS activities are scored 0–10")
    value = _round(Decimal(sum(activity_scores)) / len(activity_scores), "0.01")
    return Score(value, "")


# --- Keele STarT Back Screening Tool ----------------------------------------------------------
STARTBACK_ITEM9_POSITIVE = {"very_much", "extremely"}
STARTBACK_ITEM9_CHOICES = ["not_at_all", "slightly", "moderately", "very_much", "extremely"]


def startback(agree: list[bool], bothersomeness: str) -> Score:
    """Items 1–8 agree (True) / disagree; item 9 positive only for "very much" or "extremely".

    Total 0–9; distress subscale = items 5–9. Low risk: total 0–3. Medium: total ≥ 4 with
    subscale ≤ 3. High: subscale 4–5.
    """
    if len(agree) != 8:
        raise ValueError("STarT Back has 8 agree/disagree items before item 9")
    if bothersomeness not in STARTBACK_ITEM9_CHOICES:
        raise ValueError("unknown answer to item 9")
    item9 = bothersomeness in STARTBACK_ITEM9_POSITIVE
    total = sum(agree) + item9
    subscale = startback_subscale(agree, bothersomeness)
    if total <= 3:
        band = "low"
    elif subscale <= 3:
        band = "medium"
    else:
        band = "high"
    return Score(Decimal(total), band)


def startback_subscale(agree: list[bool], bothersomeness: str) -> int:
    """The distress (psychosocial) subscale: items 5–9."""
    return sum(agree[4:8]) + (bothersomeness in STARTBACK_ITEM9_POSITIVE)


# --- Global Rating of Change ------------------------------------------------------------------
GROC_LABELS = {
    -7: "A very great deal worse",
    -6: "A great deal worse",
    -5: "Quite a bit worse",
    -4: "Moderately worse",
    -3: "Somewhat worse",
    -2: "A little bit worse",
    -1: "A tiny bit worse",
    0: "About the same",
    1: "A tiny bit better",
    2: "A little bit better",
    3: "Somewhat better",
    4: "Moderately better",
    5: "Quite a bit better",
    6: "A great deal better",
    7: "A very great deal better",
}


def groc(rating: int) -> Score:
    """−7 (a very great deal worse) to +7 (a very great deal better)."""
    if rating not in GROC_LABELS:
        raise ValueError("GROC is rated from −7 to +7")
    band = "better" if rating > 0 else "worse" if rating < 0 else "unchanged"
    return Score(Decimal(rating), band)
