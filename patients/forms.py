import uuid
import zoneinfo

from django import forms

from patients import questionnaires as q
from patients import triage
from patients.models import SessionLog
from patients.scoring import GROC_LABELS
from portal.models import Patient
from programs.models import Side


class RedFlagMixin(forms.Form):
    """The red-flag question. The view saves what was ticked before validating the form (see
    `reported_flags`); validation here only asks for an explicit answer."""

    red_flags = forms.MultipleChoiceField(
        label=triage.QUESTION,
        choices=triage.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"data-red-flag": "1"}),
        error_messages={"required": "Tick the symptoms you have, or “None of these”."},
    )

    def clean_red_flags(self) -> list[str]:
        ticked = self.cleaned_data["red_flags"]
        flags = triage.clean(ticked)
        if flags and triage.NONE_OF_THESE in ticked:
            raise forms.ValidationError("You ticked “None of these” and a symptom: untick one of them.")
        return flags

    @staticmethod
    def reported_flags(data) -> tuple[list[str], uuid.UUID]:
        """The known flags ticked in raw POST data, and the form's token (a new one if it is missing or
        tampered with): read before, and whatever, the rest of the form says."""
        flags = triage.clean(data.getlist("red_flags"))
        try:
            token = uuid.UUID(str(data.get("token", "")))
        except ValueError:
            token = uuid.uuid4()
        return flags, token


class CheckInForm(RedFlagMixin):
    """Base for every questionnaire form: a one-time token makes a double submit harmless."""

    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    questionnaire: str

    def answers(self) -> dict:
        raise NotImplementedError


def _radio(label: str, choices, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=choices, coerce=int, widget=forms.RadioSelect, required=required, empty_value=None
    )


class ODIForm(CheckInForm):
    questionnaire = q.Questionnaire.ODI

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for index, (title, statements) in enumerate(q.ODI_SECTIONS):
            required = index not in q.ODI_OPTIONAL_SECTIONS
            fields[f"section_{index + 1}"] = _radio(
                f"{index + 1}. {title}", list(enumerate(statements)), required=required
            )
        # Sections first, red flags last.
        self.fields = {**fields, **self.fields}

    def answers(self) -> dict:
        return {"sections": [self.cleaned_data[f"section_{i + 1}"] for i in range(len(q.ODI_SECTIONS))]}


class PSFSForm(CheckInForm):
    questionnaire = q.Questionnaire.PSFS
    MIN, MAX = 1, 5  # the published scale: one to five activities

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for i in range(1, self.MAX + 1):
            fields[f"activity_{i}"] = forms.CharField(
                label=f"Activity {i}",
                max_length=120,
                required=i <= self.MIN,
                help_text="An activity you find hard because of your back, e.g. “putting on socks”." if i == 1 else "",
            )
            fields[f"score_{i}"] = forms.TypedChoiceField(
                label=f"How well can you do activity {i} today? (0 = unable, 10 = as well as before)",
                choices=[("", "Choose 0–10")] + [(n, str(n)) for n in range(11)],
                coerce=int,
                empty_value=None,
                required=i <= self.MIN,
            )
        self.fields = {**fields, **self.fields}

    def clean(self):
        cleaned = super().clean()
        for i in range(1, self.MAX + 1):
            name, score = cleaned.get(f"activity_{i}"), cleaned.get(f"score_{i}")
            if name and score is None:
                self.add_error(f"score_{i}", "Give this activity a score from 0 to 10.")
            if score is not None and not name:
                self.add_error(f"activity_{i}", "Name the activity you scored.")
        return cleaned

    def answers(self) -> dict:
        activities = [
            {"name": self.cleaned_data[f"activity_{i}"], "score": self.cleaned_data[f"score_{i}"]}
            for i in range(1, self.MAX + 1)
            if self.cleaned_data.get(f"activity_{i}")
        ]
        return {"activities": activities}


class StartBackForm(CheckInForm):
    questionnaire = q.Questionnaire.STARTBACK
    AGREE = [(0, "Disagree"), (1, "Agree")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {f"item_{i}": _radio(f"{i}. {text}", self.AGREE) for i, text in enumerate(q.STARTBACK_ITEMS, 1)}
        fields["item_9"] = forms.ChoiceField(
            label=f"9. {q.STARTBACK_ITEM9}", choices=q.STARTBACK_ITEM9_CHOICES, widget=forms.RadioSelect
        )
        self.fields = {**fields, **self.fields}

    def answers(self) -> dict:
        agree = [bool(self.cleaned_data[f"item_{i}"]) for i in range(1, 9)]
        return {"agree": agree, "bothersomeness": self.cleaned_data["item_9"]}


class GROCForm(CheckInForm):
    questionnaire = q.Questionnaire.GROC

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (value, f"{value:+d} · {label}" if value else f"0 · {label}") for value, label in GROC_LABELS.items()
        ]
        rating = _radio("Since your treatment started, how has your back changed overall?", choices)
        self.fields = {"rating": rating, **self.fields}

    def answers(self) -> dict:
        return {"rating": self.cleaned_data["rating"]}


CHECK_IN_FORMS: dict[str, type[CheckInForm]] = {
    form.questionnaire: form for form in (ODIForm, PSFSForm, StartBackForm, GROCForm)
}


class SettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        label="Your time zone",
        choices=[(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())],
    )

    class Meta:
        model = Patient
        fields = ["reminder_time", "timezone", "quiet_hours_start", "quiet_hours_end"]
        labels = {
            "reminder_time": "Remind me if I have not exercised by",
            "quiet_hours_start": "No emails after",
            "quiet_hours_end": "No emails before",
        }
        widgets = {
            name: forms.TimeInput(attrs={"type": "time"}, format="%H:%M") for name in fields if name != "timezone"
        }


def _count_field(label: str, high: int, initial: int, what: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=high,
        initial=initial,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": f"{what} cannot be negative.",
            "max_value": f"{what} can be at most {high}.",
            "invalid": f"Type {what.lower()} as a whole number.",
        },
    )


def _pain_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10,
        help_text="0 = no pain, 10 = the worst pain you can imagine.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": "Pain is scored from 0 to 10.",
            "max_value": "Pain is scored from 0 to 10.",
            "required": "Score your pain from 0 to 10.",
            "invalid": "Type a whole number from 0 to 10.",
        },
    )


class SessionForm(RedFlagMixin):
    """Today's exercises (a "done" box with sets, reps and side for each) and how the session went."""

    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    performed_on = forms.DateField(
        label="Date you exercised", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    pain_before = _pain_field("Pain before you started")
    pain_after = _pain_field("Pain after you finished")
    difficulty = forms.ChoiceField(
        label="How hard was it?",
        choices=SessionLog.Difficulty.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how hard it was."},
    )
    note = forms.CharField(
        label="Anything to tell your physiotherapist? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, items, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.items, self.today = items, today
        self.fields["performed_on"].initial = today
        self.fields["performed_on"].widget.attrs["max"] = today.isoformat()
        for item in items:
            self.fields[f"done_{item.pk}"] = forms.BooleanField(label=f"I did {item.exercise.name}", required=False)
            self.fields[f"sets_{item.pk}"] = _count_field("Sets done", 20, item.sets, "Sets")
            self.fields[f"reps_{item.pk}"] = _count_field("Reps in each set", 100, item.reps, "Reps")
            self.fields[f"side_{item.pk}"] = forms.ChoiceField(
                label="Side", choices=Side.choices, initial=item.side, required=False
            )

    def exercise_rows(self) -> list[tuple]:
        """(item, done, sets, reps, side) bound fields, for the template to place under each exercise."""
        return [
            (item, *(self[f"{name}_{item.pk}"] for name in ("done", "sets", "reps", "side"))) for item in self.items
        ]

    def clean_performed_on(self):
        day = self.cleaned_data["performed_on"]
        SessionLog.check_day(day, self.today)
        return day

    def clean(self):
        cleaned = super().clean()
        done = [item for item in self.items if cleaned.get(f"done_{item.pk}")]
        if self.items and not done:
            self.add_error(f"done_{self.items[0].pk}", "Tick “I did …” for at least one exercise you did.")
        for item in done:
            for name in ("sets", "reps"):
                if f"{name}_{item.pk}" in cleaned and cleaned[f"{name}_{item.pk}"] is None:
                    self.add_error(f"{name}_{item.pk}", "Say how many you did.")
        return cleaned

    def exercises(self) -> list[dict]:
        return [
            {
                "item": item,
                "sets_done": self.cleaned_data[f"sets_{item.pk}"],
                "reps_done": self.cleaned_data[f"reps_{item.pk}"],
                "side": self.cleaned_data[f"side_{item.pk}"] or item.side,
            }
            for item in self.items
            if self.cleaned_data.get(f"done_{item.pk}")
        ]


class NewInvitationForm(forms.Form):
    email = forms.EmailField(label="Your email address", help_text="The address your clinic invited.")
