"""Tabular inlines whose inputs say what they are: Django labels a table's columns only with their headers, so a
screen reader (and axe) meets unnamed inputs row after row. Each input here gets an `aria-label` such as
"Sets (exercise 3)". Every tabular inline of the project derives from this one."""

from django.contrib import admin
from django.utils.text import capfirst


def _label(form, noun: str, row: str) -> None:
    for field in form.fields.values():
        if field.widget.is_hidden:
            continue
        # A related-object wrapper's `attrs` is the original inner widget's, shared by every row's copy: the row's
        # own inner widget is the one to name.
        widget = getattr(field.widget, "widget", field.widget)
        widget.attrs.setdefault("aria-label", f"{capfirst(field.label or '')} ({noun} {row})")


class TabularInline(admin.TabularInline):
    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        noun = str(self.verbose_name)

        class Labelled(formset):
            def _construct_form(self, i, **kwargs):
                form = super()._construct_form(i, **kwargs)
                _label(form, noun, str(i + 1))
                return form

            @property
            def empty_form(self):
                form = super().empty_form
                _label(form, noun, "being added")
                return form

        Labelled.__name__ = formset.__name__
        return Labelled
