from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms.models import ModelChoiceIterator

from programs import services
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


class ProgramAddForm(forms.ModelForm):
    """Assign from the program editor's add page: the same rules as the assign page, through the same service."""

    class Meta:
        model = Program
        fields = ["patient", "physio", "template", "start_date", "title", "goals"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["title"].required = False
        self.fields["title"].help_text = "Leave empty to use the template's name."

    def _post_clean(self):  # a Django internal, pinned in portal/tests/test_private_apis.py
        # The service decides; the model's own constraint check would only repeat it less clearly.
        patient, physio = self.cleaned_data.get("patient"), self.cleaned_data.get("physio")
        if patient and physio:
            try:
                services.check_can_assign(patient=patient, physio=physio)
            except ValidationError as error:
                self.add_error(None, error)


class ProgramChangeForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = ["title", "goals", "start_date"]


class AssignTemplateForm(forms.Form):
    patient = forms.ModelChoiceField(queryset=None)
    template = forms.ModelChoiceField(queryset=ProgramTemplate.objects.all())
    start_date = forms.DateField(widget=AdminDateWidget)
    goals = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, patients, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        widget = AutocompleteSelect(Program._meta.get_field("patient"), admin_site)
        self.fields["patient"] = forms.ModelChoiceField(queryset=patients, widget=widget)
        self.fields["goals"].help_text = "Leave empty to use the template's goals."


class ExerciseFilterForm(forms.Form):
    body_region = forms.ChoiceField(
        choices=[("", "Any body region"), *Exercise.BodyRegion.choices], required=False, label="Body region"
    )
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Exercise.Kind.choices], required=False, label="Kind")
