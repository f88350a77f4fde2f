"""The questions patients answer, in our own plain words, and what their scores mean to them.

Scoring lives in `patients.scoring`; this module only says what is asked and how a result is explained.

Wording. None of the four is reproduced word for word: the Oswestry Disability Index is licensed (Mapi
Research Trust) and the Keele STarT Back tool's exact wording is Keele University's, available from them for
free clinical use; PSFS and GROC are short, and their instructions are rewritten here too. Each form says it is
adapted and from what (`SOURCES`); the items keep the published structure, order and scoring, so scores are
comparable with the published bands.

Language. The items and their answers are asked in English only, whatever the patient's language (the forms
mark them lang="en"): a translation nobody has validated would change the scores. The names of the
questionnaires, their sources and what a score means are translated.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.scoring import GROC_LABELS


class Questionnaire(models.TextChoices):
    STARTBACK = "startback", gettext_lazy("Back pain screening (STarT Back)")
    ODI = "odi", gettext_lazy("Back pain and daily life (Oswestry)")
    PSFS = "psfs", gettext_lazy("Your own activities (PSFS)")
    GROC = "groc", gettext_lazy("How much have you changed? (GROC)")


# The same questionnaires named for staff pages, which speak about the patient, not to them.
STAFF_LABELS = {
    Questionnaire.STARTBACK: "Back pain screening (STarT Back)",
    Questionnaire.ODI: "Back pain and daily life (Oswestry)",
    Questionnaire.PSFS: "The patient's own activities (PSFS)",
    Questionnaire.GROC: "Global rating of change (GROC)",
}


# (title, six statements scored 0..5); section 8 may be left out, as the published index allows.
ODI_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "Pain right now",
        [
            "I have no pain at the moment.",
            "My pain is very mild at the moment.",
            "My pain is moderate at the moment.",
            "My pain is fairly severe at the moment.",
            "My pain is very severe at the moment.",
            "My pain is the worst I can imagine at the moment.",
        ],
    ),
    (
        "Looking after yourself (washing, dressing)",
        [
            "I manage normally without extra pain.",
            "I manage normally, but it is very painful.",
            "It is painful, so I am slow and careful.",
            "I need some help but manage most of it myself.",
            "I need help every day with most of it.",
            "I don't get dressed, I wash with difficulty and stay in bed.",
        ],
    ),
    (
        "Lifting",
        [
            "I can lift heavy things without extra pain.",
            "I can lift heavy things, but it causes extra pain.",
            "Pain stops me lifting heavy things off the floor, but I can if they are at table height.",
            "Pain stops me lifting heavy things, but I can manage light to medium ones at table height.",
            "I can lift only very light things.",
            "I cannot lift or carry anything.",
        ],
    ),
    (
        "Walking",
        [
            "Pain does not stop me walking any distance.",
            "Pain stops me walking more than about a mile.",
            "Pain stops me walking more than about half a mile.",
            "Pain stops me walking more than about 100 metres.",
            "I can only walk with a stick or crutches.",
            "I am in bed most of the time.",
        ],
    ),
    (
        "Sitting",
        [
            "I can sit in any chair for as long as I like.",
            "I can sit in my favourite chair for as long as I like.",
            "Pain stops me sitting for more than an hour.",
            "Pain stops me sitting for more than half an hour.",
            "Pain stops me sitting for more than ten minutes.",
            "Pain stops me sitting at all.",
        ],
    ),
    (
        "Standing",
        [
            "I can stand as long as I want without extra pain.",
            "I can stand as long as I want, but it gives me extra pain.",
            "Pain stops me standing for more than an hour.",
            "Pain stops me standing for more than half an hour.",
            "Pain stops me standing for more than ten minutes.",
            "Pain stops me standing at all.",
        ],
    ),
    (
        "Sleeping",
        [
            "My sleep is never disturbed by pain.",
            "My sleep is occasionally disturbed by pain.",
            "Because of pain I sleep less than six hours.",
            "Because of pain I sleep less than four hours.",
            "Because of pain I sleep less than two hours.",
            "Pain stops me sleeping at all.",
        ],
    ),
    (
        "Sex life (you may skip this section)",
        [
            "My sex life is normal and causes no extra pain.",
            "My sex life is normal but causes some extra pain.",
            "My sex life is nearly normal but is very painful.",
            "My sex life is severely limited by pain.",
            "My sex life is nearly absent because of pain.",
            "Pain prevents any sex life at all.",
        ],
    ),
    (
        "Social life",
        [
            "My social life is normal and gives me no extra pain.",
            "My social life is normal but increases my pain.",
            "Pain only limits energetic interests, such as sport.",
            "Pain has limited my social life and I go out less often.",
            "Pain has restricted my social life to my home.",
            "I have no social life because of pain.",
        ],
    ),
    (
        "Travelling",
        [
            "I can travel anywhere without pain.",
            "I can travel anywhere, but it gives me extra pain.",
            "Pain is bad, but I manage journeys of over two hours.",
            "Pain restricts me to journeys of less than an hour.",
            "Pain restricts me to short necessary journeys under 30 minutes.",
            "Pain stops me travelling except to receive treatment.",
        ],
    ),
]
ODI_OPTIONAL_SECTIONS = {7}  # zero-based: the sex-life section

# Thinking about the last two weeks; items 1-8 are agree/disagree.
STARTBACK_ITEMS: list[str] = [
    "My back pain has spread down my leg(s) at some time in the last two weeks.",
    "I have had pain in my shoulder or neck at some time in the last two weeks.",
    "Because of my back pain I have only walked short distances.",
    "In the last two weeks I have dressed more slowly than usual because of back pain.",
    "It is not really safe for a person with a condition like mine to be physically active.",
    "Worrying thoughts have been going through my mind a lot of the time.",
    "I feel my back pain is terrible and it is never going to get any better.",
    "In general I have not enjoyed all the things I used to enjoy.",
]
STARTBACK_ITEM9 = "Overall, how bothersome has your back pain been in the last two weeks?"
STARTBACK_ITEM9_CHOICES = [
    ("not_at_all", "Not at all"),
    ("slightly", "Slightly"),
    ("moderately", "Moderately"),
    ("very_much", "Very much"),
    ("extremely", "Extremely"),
]

SOURCES = {
    "startback": gettext_lazy(
        "Adapted from the Keele STarT Back Screening Tool (Hill et al., 2008), in our own words; scored as published."
    ),
    "odi": gettext_lazy(
        "Adapted from the Oswestry Disability Index 2.1a (Fairbank and Pynsent, 2000), in our own words; "
        "scored as published."
    ),
    "psfs": gettext_lazy(
        "Adapted from the Patient-Specific Functional Scale (Stratford et al., 1995); scored as published."
    ),
    "groc": gettext_lazy(
        "Adapted from the Global Rating of Change scale (Jaeschke et al., 1989); the 15 points as published."
    ),
}

# What a score means, for the patient: neutral, no band names (clinicians see those in the admin).
ODI_MEANING = {
    "minimal": gettext_lazy("Your answers suggest back pain makes little difference to your daily activities."),
    "moderate": gettext_lazy(
        "Your answers suggest some difficulty with daily activities such as sitting, lifting or travelling."
    ),
    "severe": gettext_lazy("Your answers suggest back pain is one of the main problems in your daily life."),
    "crippling": gettext_lazy("Your answers suggest back pain affects most parts of your daily life."),
    "bed-bound": gettext_lazy("Your answers suggest back pain affects almost everything you do."),
}
STARTBACK_MEANING = {
    "low": gettext_lazy("Your answers suggest your back pain is likely to settle with the right advice and activity."),
    "medium": gettext_lazy("Your answers help your physiotherapist choose the kind of treatment that suits you best."),
    "high": gettext_lazy(
        "Your answers help your physiotherapist choose the kind of support that suits you best, including "
        "help with the worry and low mood that back pain can bring."
    ),
}


def meaning(questionnaire: str, score: Decimal, band: str) -> str:
    """One or two sentences a patient reads next to their score."""
    if questionnaire == Questionnaire.ODI:
        return f"{ODI_MEANING[band]} {_('(0 = no difficulty, 100 = the most; lower is better.)')}"
    if questionnaire == Questionnaire.STARTBACK:
        return str(STARTBACK_MEANING[band])
    if questionnaire == Questionnaire.PSFS:
        return _(
            "The average of your activity scores: 0 = unable to do them, 10 = as well as before. Higher is better."
        )
    if questionnaire == Questionnaire.GROC:
        # The answer is quoted as the patient read it: the questionnaire's own (English) words.
        return _("You said: “%(answer)s” since your treatment began.") % {"answer": GROC_LABELS[int(score)]}
    return ""


# The red-flag questions and their triage live in patients.triage.
