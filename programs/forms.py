from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.files.uploadedfile import UploadedFile
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from programs.images import reencode_image
from programs.models import Exercise, ExerciseImage, Program, ProgramTemplate


class ExerciseImageForm(forms.ModelForm):
    class Meta:
        model = ExerciseImage
        fields = ["image", "alt_text", "order"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            return reencode_image(image)  # a new upload: keep only its pixels
        return image


class KnownLabelsAutocomplete(AutocompleteSelect):
    """Autocomplete that labels the selected option from labels loaded once per page, not one query per row."""

    known_labels: dict[str, str] | None = None

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in ("", "None")]
        known = self.known_labels or {}
        if not all(v in known for v in selected):
            return super().optgroups(name, value, attr)
        default = (None, [], 0)
        if not self.is_required:
            default[1].append(self.create_option(name, "", "", False, 0))
        for v in selected:
            default[1].append(self.create_option(name, v, known[v], set(selected), len(default[1])))
        return [default]


class ListedChoiceIterator(ModelChoiceIterator):
    """Iterates objects the field already holds, so every inline row shares one query."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.listed_objects:
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.listed_objects) + (self.field.empty_label is not None)


class ListedModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, **kwargs)
        self.listed_objects = list(queryset)


class ProgramChangeForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = ["title", "goals", "start_date"]


class AssignProgramForm(forms.Form):
    """The one way to give a patient a programme (the admin's "Add program" leads here): the service decides."""

    patient = forms.ModelChoiceField(queryset=None)
    physio = forms.ModelChoiceField(queryset=None, label="Physiotherapist", required=False, help_text="You, if empty.")
    template = forms.ModelChoiceField(
        queryset=ProgramTemplate.objects.all(), required=False, help_text="Leave empty for a blank programme."
    )
    start_date = forms.DateField(widget=AdminDateWidget)
    title = forms.CharField(max_length=200, required=False, help_text="Leave empty to use the template's name.")
    goals = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, patients, physios, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        widget = AutocompleteSelect(Program._meta.get_field("patient"), admin_site)
        self.fields["patient"] = forms.ModelChoiceField(queryset=patients, widget=widget)
        self.fields["physio"].queryset = physios
        self.fields["goals"].help_text = "Leave empty to use the template's goals."


class ExerciseFilterForm(forms.Form):
    body_region = forms.ChoiceField(
        choices=[("", _("Any body region")), *Exercise.BodyRegion.choices], required=False, label=_("Body region")
    )
    kind = forms.ChoiceField(choices=[("", _("Any kind")), *Exercise.Kind.choices], required=False, label=_("Kind"))
