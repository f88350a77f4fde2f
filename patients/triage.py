"""Red flags and triage: the one source of truth for the questions, the levels, the advice and the alert rules.

Every layer reads this module: the forms' choices, the services that raise and escalate alerts, the pages'
advice, the emails, the admin's columns and the safety case (docs/clinical-safety.md). The wording follows
NICE NG59 and the NHS pages on sciatica and cauda equina syndrome, in our own plain words.

What the patient reads (the question, the symptoms, the advice) is translated; the levels and severities, which
only staff read, and the alert's stored text (`describe`) are English.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

NONE_OF_THESE = "none"


class Level(models.TextChoices):
    EMERGENCY = "emergency", "Emergency now"
    SAME_DAY = "same_day", "Same-day contact"
    TELL_PHYSIO = "tell_physio", "Tell your physio"


class Severity(models.IntegerChoices):
    """Alert severity, most serious first: ordering by the number reads the right way."""

    CRITICAL = 1, "Critical"
    URGENT = 2, "Urgent"
    HIGH = 3, "High"
    LOW = 4, "Low"


@dataclass(frozen=True)
class Triage:
    level: str
    severity: int
    heading: str
    # {number} and {department} are the clinic's emergency number and the words for its emergency department.
    advice: str
    # The patient's programme is paused and follow-up emails stop until a clinician resumes it.
    pauses_routine: bool
    # Unacknowledged after the clinic's escalation time, the alert goes to every clinician of the clinic.
    escalates: bool
    rank: int  # 0 = most serious


TRIAGE: dict[str, Triage] = {
    Level.EMERGENCY: Triage(
        level=Level.EMERGENCY,
        severity=Severity.CRITICAL,
        heading=_("Get emergency help now"),
        advice=_(
            "The symptoms you ticked can be a sign that the nerves at the bottom of your spine are being squeezed "
            "(cauda equina syndrome) or that a nerve problem is getting worse quickly. This needs a hospital "
            "assessment straight away. Call {number} or go to {department} now. Do not wait for your next "
            "appointment, for a reply from us, or to see if it settles."
        ),
        pauses_routine=True,
        escalates=True,
        rank=0,
    ),
    Level.SAME_DAY: Triage(
        level=Level.SAME_DAY,
        severity=Severity.URGENT,
        heading=_("Speak to a doctor today"),
        advice=_(
            "Back pain with the symptoms you ticked needs checking by a doctor today. Call your GP surgery or the "
            "clinic today and tell them what you ticked. If you cannot speak to anyone today, or you feel much "
            "worse, call {number} or go to {department}. Please stop your exercises until a clinician has "
            "spoken to you."
        ),
        pauses_routine=True,
        escalates=True,
        rank=1,
    ),
    Level.TELL_PHYSIO: Triage(
        level=Level.TELL_PHYSIO,
        severity=Severity.HIGH,
        heading=_("Tell your physiotherapist"),
        advice=_(
            "What you ticked is worth your physiotherapist knowing about soon. Keep to the movements that feel "
            "comfortable. If it gets worse quickly, or you notice any of the emergency signs, call {number} or go "
            "to {department}."
        ),
        pauses_routine=False,
        escalates=False,
        rank=2,
    ),
}


@dataclass(frozen=True)
class RedFlag:
    key: str
    label: str
    level: str


# Keys are stored in check-ins, sessions, reports and alerts: never rename one, add new ones.
RED_FLAGS: list[RedFlag] = [
    # Emergency now: cauda equina signs, symptoms in both legs, rapidly worsening weakness.
    RedFlag(
        "saddle_numbness",
        _("Numbness or pins and needles between your legs, around your bottom or your genitals"),
        Level.EMERGENCY,
    ),
    RedFlag("wiping", _("Altered or no feeling when you wipe after using the toilet"), Level.EMERGENCY),
    RedFlag("urine_control", _("New difficulty starting to pass urine, or controlling it"), Level.EMERGENCY),
    RedFlag("leaking", _("Leaking urine, or not knowing when your bladder is full"), Level.EMERGENCY),
    RedFlag("bowel_control", _("Loss of control of your bowels, or not knowing when you need to go"), Level.EMERGENCY),
    RedFlag("sexual_changes", _("New changes in sexual function, such as loss of sensation"), Level.EMERGENCY),
    RedFlag("both_legs_sciatica", _("Sciatica (pain shooting down the leg) in both legs"), Level.EMERGENCY),
    RedFlag("both_legs_numb", _("Numbness, pins and needles or weakness in both legs"), Level.EMERGENCY),
    RedFlag("leg_weakness", _("Weakness in a leg that is getting worse quickly, or a leg giving way"), Level.EMERGENCY),
    # Same-day contact: possible infection, cancer, fracture.
    RedFlag("fever_unwell", _("A high temperature, or feeling hot, shivery or generally unwell"), Level.SAME_DAY),
    RedFlag("weight_loss", _("Losing weight without trying"), Level.SAME_DAY),
    RedFlag("cancer_history", _("You have had cancer, and this back pain is new"), Level.SAME_DAY),
    RedFlag("trauma", _("The pain started after a fall, accident or other hard knock"), Level.SAME_DAY),
    RedFlag(
        "immunosuppression",
        _("You take medicine that weakens your immune system, or you inject drugs"),
        Level.SAME_DAY,
    ),
    # Tell your physio.
    RedFlag("night_pain", _("Constant pain at night that does not ease when you change position"), Level.TELL_PHYSIO),
    RedFlag("spreading_pain", _("Pain spreading further down your leg than before"), Level.TELL_PHYSIO),
]
BY_KEY: dict[str, RedFlag] = {flag.key: flag for flag in RED_FLAGS}
RED_FLAG_KEYS = list(BY_KEY)
QUESTION = _("Do you have any of these? Tick every one that applies, or “None of these”.")
NONE_LABEL = _("None of these")


def clean(keys) -> list[str]:
    """Known flag keys only, each once, in the order of RED_FLAGS: tampered or unknown values are dropped."""
    wanted = {str(key) for key in keys}
    return [key for key in RED_FLAG_KEYS if key in wanted]


def level_of(keys: list[str]) -> str | None:
    """The most serious level among these flags."""
    levels = [TRIAGE[BY_KEY[key].level] for key in keys if key in BY_KEY]
    return min(levels, key=lambda triage: triage.rank).level if levels else None


def more_serious(level: str, than: str | None) -> bool:
    return than is None or TRIAGE[level].rank < TRIAGE[than].rank


def labels(keys: list[str]) -> list[str]:
    """The flags' labels, in the active language."""
    return [str(BY_KEY[key].label) for key in keys if key in BY_KEY]


def grouped(keys: list[str]) -> list[tuple[Triage, list[str]]]:
    """[(triage, [labels])] for the levels these flags touch, most serious first."""
    groups = []
    for triage in sorted(TRIAGE.values(), key=lambda t: t.rank):
        found = [str(BY_KEY[key].label) for key in keys if key in BY_KEY and BY_KEY[key].level == triage.level]
        if found:
            groups.append((triage, found))
    return groups


def describe(keys: list[str]) -> str:
    """Every flag in words, grouped by level: the alert's full text, never cut short. In English, whoever's request
    stores it: staff read it."""
    with translation.override(settings.LANGUAGE_CODE):
        return " ".join(f"{Level(triage.level).label}: {'; '.join(found)}." for triage, found in grouped(keys))


def choices() -> list[tuple[str, str]]:
    return [(flag.key, flag.label) for flag in RED_FLAGS] + [(NONE_OF_THESE, NONE_LABEL)]


@dataclass(frozen=True)
class Advice:
    level: str
    heading: str
    text: str


def advice(level: str, emergency) -> Advice:
    """The advice for a level, with the clinic's emergency number and department (a portal.models.Emergency), in
    the active language."""
    found = TRIAGE[level]
    text = str(found.advice).format(number=emergency.number, department=emergency.department)
    return Advice(level=found.level, heading=str(found.heading), text=text)


def advice_for(keys: list[str], emergency) -> Advice | None:
    level = level_of(keys)
    return advice(level, emergency) if level else None
