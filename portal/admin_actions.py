"""One way to run an admin action: a service call per record (`apply_to_each`) or, for actions that need a
confirmation (and maybe a note), a confirmation page first (`confirm_and_apply`). Either way the admin log gets
an entry for each record and the user a message that says what happened. Permission is the action's own
(`@admin.action(permissions=…)`), which Django checks before the action runs."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme


@dataclass(frozen=True)
class Note:
    label: str
    help_text: str = ""
    required: bool = False


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 70}), max_length=4000)

    def __init__(self, *args, spec: Note, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = spec.required
        self.fields["note"].label = spec.label
        self.fields["note"].help_text = spec.help_text


def confirm_and_apply(
    modeladmin,
    request,
    queryset,
    *,
    action: str,
    title: str,
    apply: Callable[[str], str],
    note: Note | None = None,
    describe: Callable = str,
):
    """Show the confirmation page until it is sent back; then `apply(note)` (a service call returning the
    message for the user), log the action on every selected record, and report."""
    records = list(queryset)
    form = NoteForm(request.POST if "apply" in request.POST else None, spec=note) if note else None
    confirmed = "apply" in request.POST and (form is None or form.is_valid())
    if not confirmed:
        context = {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.opts,
            "title": title,
            "form": form,
            "records": [(record.pk, describe(record)) for record in records],
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/action_confirm.html", context)
    text = form.cleaned_data["note"] if form else ""
    try:
        message = apply(text)
    except ValidationError as error:
        modeladmin.message_user(request, "; ".join(error.messages), messages.ERROR)
        return None
    for record in records:
        modeladmin.log_change(request, record, f"{title}" + (f": {text}" if text else ""))
    modeladmin.message_user(request, message, messages.SUCCESS)
    return None


def apply_to_each(modeladmin, request, queryset, apply: Callable, done: str) -> None:
    """`apply(record)` (one service call) for each selected record. A refusal is reported with the record's name
    and the others go on; each change is logged; then "2 programs paused." """
    count = 0
    for record in queryset:
        try:
            apply(record)
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            modeladmin.message_user(request, f"{record}: {text}", messages.ERROR)
            continue
        modeladmin.log_change(request, record, f"Action: {done}")
        count += 1
    if count:
        opts = modeladmin.opts
        name = opts.verbose_name if count == 1 else opts.verbose_name_plural
        modeladmin.message_user(request, f"{count} {name} {done}.", messages.SUCCESS)


def back_to(request, default: str) -> str:
    """Where a form posted from another admin page goes back to: its `next`, if it is on this site; else `default`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default
