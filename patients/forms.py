import uuid
import zoneinfo

from django import forms

from patients import questionnaires as q
from patients.models import Patient
from patients.scoring import GROC_LABELS


class RedFlagMixin(forms.Form):
    red_flags = forms.MultipleChoiceField(
        label="Do you have any of these new symptoms? Tick any that apply.",
        choices=q.RED_FLAGS,
        widget=forms.CheckboxSelectMultiple(attrs={"data-red-flag": "1"}),
        required=False,
    )


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
    MIN, MAX = 3, 5

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


class NewInvitationForm(forms.Form):
    email = forms.EmailField(label="Your email address", help_text="The address your clinic invited.")
