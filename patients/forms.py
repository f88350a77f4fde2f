import uuid
import zoneinfo

from django import forms
from django.conf import settings
from django.forms.boundfield import BoundField
from django.forms.renderers import Jinja2
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

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
        error_messages={"required": _("Tick the symptoms you have, or “None of these”.")},
    )

    def clean_red_flags(self) -> list[str]:
        ticked = self.cleaned_data["red_flags"]
        flags = triage.clean(ticked)
        if flags and triage.NONE_OF_THESE in ticked:
            raise forms.ValidationError(_("You ticked “None of these” and a symptom: untick one of them."))
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


def _english(text: str) -> str:
    """A questionnaire's own wording, marked as English: the items are asked as published, never translated (an
    untested translation would change the scores); the page around them is in the patient's language."""
    return format_html('<span lang="en">{}</span>', text)


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
                _english(f"{index + 1}. {title}"),
                [(value, _english(statement)) for value, statement in enumerate(statements)],
                required=required,
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
                label=_english(f"Activity {i}"),
                max_length=120,
                required=i <= self.MIN,
                help_text=_english("An activity you find hard because of your back, e.g. “putting on socks”.")
                if i == 1
                else "",
            )
            fields[f"score_{i}"] = forms.TypedChoiceField(
                label=_english(f"How well can you do activity {i} today? (0 = unable, 10 = as well as before)"),
                choices=[("", _("Choose 0–10"))] + [(n, str(n)) for n in range(11)],
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
                self.add_error(f"score_{i}", _("Give this activity a score from 0 to 10."))
            if score is not None and not name:
                self.add_error(f"activity_{i}", _("Name the activity you scored."))
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
        agree = [(value, _english(label)) for value, label in self.AGREE]
        fields = {f"item_{i}": _radio(_english(f"{i}. {text}"), agree) for i, text in enumerate(q.STARTBACK_ITEMS, 1)}
        fields["item_9"] = forms.ChoiceField(
            label=_english(f"9. {q.STARTBACK_ITEM9}"),
            choices=[(value, _english(label)) for value, label in q.STARTBACK_ITEM9_CHOICES],
            widget=forms.RadioSelect,
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
            (value, _english(f"{value:+d} · {label}" if value else f"0 · {label}"))
            for value, label in GROC_LABELS.items()
        ]
        rating = _radio(_english("Since your treatment started, how has your back changed overall?"), choices)
        self.fields = {"rating": rating, **self.fields}

    def answers(self) -> dict:
        return {"rating": self.cleaned_data["rating"]}


CHECK_IN_FORMS: dict[str, type[CheckInForm]] = {
    form.questionnaire: form for form in (ODIForm, PSFSForm, StartBackForm, GROCForm)
}


class SettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        label=_("Your time zone"),
        choices=[(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())],
    )
    # Each language named in itself, so a patient finds theirs whatever the page is in.
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("The language of my browser")), *settings.LANGUAGES],
        required=False,
        help_text=_("For these pages and the emails we send you."),
    )

    class Meta:
        model = Patient
        fields = ["reminder_time", "timezone", "quiet_hours_start", "quiet_hours_end", "language"]
        labels = {
            "reminder_time": _("Remind me if I have not exercised by"),
            "quiet_hours_start": _("No emails after"),
            "quiet_hours_end": _("No emails before"),
        }
        widgets = {
            name: forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            for name in ("reminder_time", "quiet_hours_start", "quiet_hours_end")
        }


def _count_field(label: str, high: int, initial: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=high,
        initial=initial,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": _("This cannot be negative."),
            "max_value": _("This can be at most %(limit_value)s."),
            "invalid": _("Type a whole number."),
        },
    )


def _pain_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10,
        help_text=_("0 = no pain, 10 = the worst pain you can imagine."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": _("Pain is scored from 0 to 10."),
            "max_value": _("Pain is scored from 0 to 10."),
            "required": _("Score your pain from 0 to 10."),
            "invalid": _("Type a whole number from 0 to 10."),
        },
    )


# Bootstrap's class for each widget the lean field template (patients/jinja2/patients/field.html) renders.
CHECK = "form-check-input"
WIDGET_CLASSES = {"checkbox": CHECK, "radioselect": CHECK, "checkboxselectmultiple": CHECK, "select": "form-select"}


class LeanBoundField(BoundField):
    """A field with Bootstrap's classes on its widget (and `is-invalid` when it has errors), rendered whole by
    `{{ field.as_field_group }}` from patients/jinja2/patients/field.html or choices_field.html: Today's many
    small fields in crispy-forms' markup, by Jinja2 (a Django {% include %} per field was half of the page's
    render), without crispy's per-field templates."""

    @property
    def template_name(self):
        grouped = isinstance(self.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
        return "patients/choices_field.html" if grouped else "patients/field.html"

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        classes = [widget.attrs.get("class", ""), WIDGET_CLASSES.get(self.widget_type, "form-control")]
        attrs["class"] = " ".join(filter(None, [*classes, "is-invalid" if self.errors else ""]))
        return attrs


# Widgets rendered by Jinja2 (Django's own widget templates, in their Jinja2 version): the same markup at a
# fraction of the cost, for a form of several dozen fields rendered on every first visit of the day.
FAST_WIDGETS = Jinja2()


class SessionForm(RedFlagMixin):
    """Today's exercises (a "done" box with sets, reps and side for each) and how the session went."""

    default_renderer = FAST_WIDGETS
    bound_field_class = LeanBoundField

    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    performed_on = forms.DateField(
        label=_("Date you exercised"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    pain_before = _pain_field(_("Pain before you started"))
    pain_after = _pain_field(_("Pain after you finished"))
    difficulty = forms.ChoiceField(
        label=_("How hard was it?"),
        choices=SessionLog.Difficulty.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how hard it was.")},
    )
    note = forms.CharField(
        label=_("Anything to tell your physiotherapist? (optional)"),
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
            self.fields.update(self._item_fields(item))

    @staticmethod
    def _item_fields(item) -> dict:
        """One exercise's fields: done, how much (sets and reps, or minutes for a timed exercise), side, and how it
        went (pain and effort, optional; "too painful, I stopped")."""
        name = item.exercise.name
        fields = {
            f"done_{item.pk}": forms.BooleanField(label=format_lazy(_("I did {name}"), name=name), required=False)
        }
        if item.duration_minutes:
            fields[f"minutes_{item.pk}"] = _count_field(_("Minutes done"), 180, item.duration_minutes)
            if item.sets > 1:
                fields[f"sets_{item.pk}"] = _count_field(_("Rounds done"), 20, item.sets)
        else:
            fields[f"sets_{item.pk}"] = _count_field(_("Sets done"), 20, item.sets)
            fields[f"reps_{item.pk}"] = _count_field(_("Reps in each set"), 100, item.reps)
        if item.side != Side.NONE:
            fields[f"side_{item.pk}"] = forms.ChoiceField(
                label=_("Side"), choices=Side.choices, initial=item.side, required=False
            )
        pain = _pain_field(_("Pain during it (optional)"))
        pain.required, pain.help_text = False, _("0 = no pain, 10 = the worst.")
        fields[f"pain_{item.pk}"] = pain
        fields[f"effort_{item.pk}"] = forms.ChoiceField(
            label=_("How hard was it? (optional)"),
            choices=[("", "—"), *SessionLog.Difficulty.choices],
            required=False,
        )
        fields[f"stopped_{item.pk}"] = forms.BooleanField(
            label=_("I stopped this exercise: it was too painful"), required=False
        )
        return fields

    def exercise_rows(self) -> list[dict]:
        """Each exercise with its bound fields, for the template to place under it."""
        rows = []
        for item in self.items:
            bound = {name: self[f"{name}_{item.pk}"] for name in self.ROW_FIELDS if f"{name}_{item.pk}" in self.fields}
            rows.append(
                {
                    "item": item,
                    "done": bound["done"],
                    "amounts": [bound[name] for name in ("sets", "reps", "minutes") if name in bound],
                    "side": bound.get("side"),
                    "pain": bound["pain"],
                    "effort": bound["effort"],
                    "stopped": bound["stopped"],
                }
            )
        return rows

    ROW_FIELDS = ("done", "sets", "reps", "minutes", "side", "pain", "effort", "stopped")

    def clean_performed_on(self):
        day = self.cleaned_data["performed_on"]
        SessionLog.check_day(day, self.today)
        return day

    def _attempted(self, item) -> bool:
        return bool(self.cleaned_data.get(f"done_{item.pk}") or self.cleaned_data.get(f"stopped_{item.pk}"))

    def clean(self):
        cleaned = super().clean()
        done = [item for item in self.items if self._attempted(item)]
        if self.items and not done:
            self.add_error(f"done_{self.items[0].pk}", _("Tick “I did …” for at least one exercise you did."))
        for item in done:
            for name in ("sets", "reps", "minutes"):
                if f"{name}_{item.pk}" in cleaned and cleaned[f"{name}_{item.pk}"] is None:
                    self.add_error(f"{name}_{item.pk}", _("Say how many you did."))
        return cleaned

    def exercises(self) -> list[dict]:
        """The exercises done or stopped, for services.log_session."""
        data = self.cleaned_data
        return [
            {
                "item": item,
                "sets_done": data.get(f"sets_{item.pk}", 1),
                "reps_done": data.get(f"reps_{item.pk}", 0),
                "minutes_done": data.get(f"minutes_{item.pk}"),
                "side": data.get(f"side_{item.pk}") or item.side,
                "pain": data[f"pain_{item.pk}"],
                "difficulty": data[f"effort_{item.pk}"],
                "stopped_for_pain": data[f"stopped_{item.pk}"],
            }
            for item in self.items
            if self._attempted(item)
        ]


class NewInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"), help_text=_("The address your clinic invited."))
