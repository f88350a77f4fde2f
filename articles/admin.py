from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from articles import care_plan, services
from articles.models import FAQ, Article, Condition, Reading, Reference, Revision, Tag, TemplateReading
from articles.views import detail_context
from portal import diff
from portal.admin_actions import apply_to_each
from portal.admin_inlines import TabularInline
from programs.admin import ProgramAdmin, ProgramTemplateAdmin
from programs.images import reencode_image


@admin.register(Condition, Tag)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ReferenceInline(TabularInline):
    model = Reference
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    fields = ["position", "title", "source", "url"]


class FAQInline(admin.StackedInline):
    model = FAQ
    extra = 0
    fields = ["position", "question", "answer"]

    # A live article's FAQs are clinical text: they change in its working copy.
    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_live) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_live) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_live) and super().has_delete_permission(request, obj)


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title", "slug", "summary", "body", "hero_image", "hero_alt", "conditions", "tags", "related_exercises",
            "related_articles", "publish_at",
        ]  # fmt: skip
        widgets = {"body": forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField article-body-input"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "related_articles" in self.fields:
            self.fields["related_articles"].queryset = Article.objects.exclude(pk=self.instance.pk)

    def clean_hero_image(self):
        image = self.cleaned_data.get("hero_image")
        if isinstance(image, UploadedFile):
            return reencode_image(image)  # a new upload: checked by its content, and only its pixels kept
        return image

    def clean(self):
        cleaned = super().clean()
        if "body" not in cleaned:
            return cleaned  # too long, or missing: the field's own error says so; nothing to parse
        try:
            services.validate_body(cleaned.get("body", ""))
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


def _run(modeladmin, request, queryset, service, done: str, **kwargs):
    apply_to_each(
        modeladmin, request, queryset, lambda article: service(article=article, user=request.user, **kwargs), done
    )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "status", "clinical_reviewer", "next_review", "publish_at", "updated_at"]
    # Only users who reviewed something: the full user list would show patients' names to editors.
    list_filter = ["status", "conditions", "tags", ("clinical_reviewer", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["clinical_reviewer"]
    show_full_result_count = False
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["conditions", "tags", "related_exercises", "related_articles"]
    readonly_fields = [
        "approval", "status", "content_checks", "preview_link", "written_by", "reviewed_by", "last_reviewed",
        "next_review_due", "published_at", "revision_history",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["approval", "title", "slug", "summary", "body", "content_checks"]}),
        ("Image", {"fields": ["hero_image", "hero_alt"]}),
        ("Topics and links", {"fields": ["conditions", "tags", "related_exercises", "related_articles"]}),
        (
            "Workflow",
            {
                "fields": [
                    "status",
                    "preview_link",
                    "publish_at",
                    "published_at",
                    "written_by",
                    "reviewed_by",
                    "last_reviewed",
                    "next_review_due",
                ],
                "description": "Change the status with the actions on the article list. "
                "Set “Publish at”, save, then use “Schedule” to publish later.",
            },
        ),  # fmt: skip
        ("Revisions", {"fields": ["revision_history"], "classes": ["collapse"]}),
    ]
    inlines = [FAQInline, ReferenceInline]
    actions = ["submit_for_review", "publish_now", "schedule", "mark_reviewed", "archive"]

    # Names, not links: a link to the user's page is a 404 for an editor or another clinic's physio.
    @admin.display(description="author")
    def written_by(self, obj):
        return (obj.author.get_full_name() or obj.author.email) if obj.author else "–"

    @admin.display(description="clinical reviewer")
    def reviewed_by(self, obj):
        return obj.clinical_reviewer.name_with_profession if obj.clinical_reviewer else "–"

    class Media:
        css = {"all": ["articles/admin.css"]}
        js = ["articles/content-checks.js"]

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.is_live:  # the approved text stays as approved; it changes in a working copy
            return [*self.readonly_fields, "slug", *services.CLINICAL_FIELDS]
        return self.readonly_fields

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields

    # --- columns and read-only fields -----------------------------------------------------------------

    @admin.display(description="Text")
    def approval(self, obj):
        if not obj or not obj.pk:
            return "A new draft: a clinician reviews it before it is published."
        if obj.working_copy_of_id:
            live = obj.working_copy_of
            return format_html(
                'A working copy of <a href="{}">{}</a>, which stays live as it is until a clinician approves '
                'this copy. <a href="{}">See the changes and approve them</a>.',
                reverse("admin:articles_article_change", args=[live.pk]),
                live.title,
                reverse("admin:articles_article_changes", args=[obj.pk]),
            )
        if not obj.is_live:
            return "Not live: edit it here. A change to reviewed text needs a clinical review again."
        reviewed = format_html(
            "Live, as {} approved it on {}.", obj.clinical_reviewer or "a clinician", date_format(obj.last_reviewed)
        )
        copy = Article.objects.filter(working_copy_of=obj).first()
        if copy:
            return format_html(
                '{} A <a href="{}">working copy</a> of changes is waiting for approval.',
                reviewed,
                reverse("admin:articles_article_change", args=[copy.pk]),
            )
        return format_html(
            '{} To change its text: <button type="submit" class="button" formaction="{}" formnovalidate>'
            "Edit a working copy</button>",
            reviewed,
            reverse("admin:articles_article_working_copy", args=[obj.pk]),
        )

    @admin.display(description="Next review", ordering="next_review_due")
    def next_review(self, obj):
        if not obj.next_review_due:
            return "—"
        if obj.review_overdue:
            return format_html('<span class="review-overdue">{} (overdue)</span>', date_format(obj.next_review_due))
        return obj.next_review_due

    @admin.display(description="Content checks")
    def content_checks(self, obj):
        checks = obj.checks if obj else {"words": 0, "flesch": None, "band": "no text yet"}
        return format_html(
            '<span class="content-checks" data-content-checks>Words: <strong data-word-count>{}</strong> · '
            "Flesch reading ease: <strong data-flesch>{}</strong> (<span data-flesch-band>{}</span>; "
            "aim for 60 or more)</span>",
            checks["words"],
            "—" if checks["flesch"] is None else checks["flesch"],
            checks["band"],
        )

    @admin.display(description="Preview")
    def preview_link(self, obj):
        if not obj or not obj.pk:
            return "Save the article to preview it."
        url = reverse("admin:articles_article_preview", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">Preview as patients will see it</a>', url)

    @admin.display(description="Revisions")
    def revision_history(self, obj):
        if not obj or not obj.pk:
            return "—"
        rows = [
            (
                f"{revision.created_at:%Y-%m-%d %H:%M}",
                revision.created_by or "system",
                f"{revision.note or 'Edited'}, approved by {revision.approved_by}"
                if revision.approved_by
                else revision.note or "Edited",
                ", ".join(revision.changed_fields[:8]),
                reverse("admin:articles_article_restore", args=[obj.pk, revision.pk]),
            )
            for revision in obj.revisions.select_related("created_by", "approved_by")[:30]
        ]
        items = format_html_join("", '<li>{} · {} · {} <small>({})</small> · <a href="{}">restore…</a></li>', rows)
        return format_html("<ol>{}</ol>", items)

    # --- saving through the service ---------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        """Saved with its related rows in `save_related`, through the one service (a revision of the whole)."""

    def save_related(self, request, form, formsets, change):
        def related() -> None:
            super(ArticleAdmin, self).save_related(request, form, formsets, change)

        services.save_article(article=form.instance, user=request.user, save_related=related)

    # --- actions ---------------------------------------------------------------------------------------------

    def has_review_permission(self, request):
        return request.user.has_perm(services.REVIEW_PERMISSION)

    @admin.action(description="Submit for clinical review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        _run(self, request, queryset, services.submit_for_review, "submitted for review")

    @admin.action(description="Publish now", permissions=["change"])
    def publish_now(self, request, queryset):
        _run(self, request, queryset, services.publish_now, "published")

    @admin.action(description="Schedule at their “Publish at” time", permissions=["change"])
    def schedule(self, request, queryset):
        def apply(article):
            services.schedule(article=article, user=request.user, publish_at=article.publish_at)

        apply_to_each(self, request, queryset, apply, "scheduled")

    @admin.action(description="Mark clinically reviewed (next review in a year)", permissions=["review"])
    def mark_reviewed(self, request, queryset):
        _run(self, request, queryset, services.mark_reviewed, "marked reviewed")

    @admin.action(description="Archive (remove from the site)", permissions=["change"])
    def archive(self, request, queryset):
        _run(self, request, queryset, services.archive, "archived")

    # --- preview and restore ----------------------------------------------------------------------------------

    def get_urls(self):
        extra = [
            path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_view), name="articles_article_preview"),
            path(
                "<int:pk>/working-copy/",
                self.admin_site.admin_view(self.working_copy_view),
                name="articles_article_working_copy",
            ),
            path("<int:pk>/changes/", self.admin_site.admin_view(self.changes_view), name="articles_article_changes"),
            path(
                "<int:pk>/revisions/<int:revision_pk>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="articles_article_restore",
            ),
        ]
        return extra + super().get_urls()

    def preview_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        from articles.selectors import article_with_relations

        article = article_with_relations(self.get_queryset(request), pk=pk)
        if article is None:
            raise PermissionDenied
        return TemplateResponse(request, "articles/article_detail.html", detail_context(article, preview=True))

    def restore_view(self, request, pk, revision_pk):
        revision = get_object_or_404(Revision.objects.select_related("article"), pk=revision_pk, article_id=pk)
        if not self.has_change_permission(request, revision.article):
            raise PermissionDenied
        if request.method == "POST":
            restored = services.restore_revision(revision=revision, user=request.user)
            if restored.pk != revision.article_id:
                self.message_user(
                    request,
                    "The revision is in the working copy: the live article changes when a clinician approves it.",
                    messages.SUCCESS,
                )
            else:
                self.message_user(request, "The article's content was restored from the revision.", messages.SUCCESS)
            return redirect("admin:articles_article_change", restored.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "revision": revision,
            "article": revision.article,
            "title": "Restore this revision?",
        }
        return TemplateResponse(request, "admin/articles/revision_restore_confirm.html", context)

    # --- working copies of live articles ---------------------------------------------------------------------

    @method_decorator(require_POST)
    def working_copy_view(self, request, pk):
        article = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        try:
            copy = services.start_working_copy(article=article, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect("admin:articles_article_change", pk)
        self.message_user(
            request, "This is a working copy: the live article stays as it is until a clinician approves it."
        )
        return redirect("admin:articles_article_change", copy.pk)

    def changes_view(self, request, pk):
        copy = get_object_or_404(self.get_queryset(request).select_related("working_copy_of"), pk=pk)
        if not self.has_view_permission(request, copy) or copy.working_copy_of is None:
            raise PermissionDenied
        live = copy.working_copy_of
        can_approve = self.has_review_permission(request)
        if request.method == "POST":
            if not can_approve:
                raise PermissionDenied
            services.approve_working_copy(article=copy, user=request.user)
            self.message_user(request, f"The change is live: “{live.title}” now shows the approved text.")
            return redirect("admin:articles_article_change", live.pk)
        labels = {
            "title": "Title", "summary": "Summary", "body": "Body", "hero_image": "Image file", "hero_alt": "Image",
            "faqs": "FAQs",
        }  # fmt: skip
        live_text, working_text = services.clinical_text(live), services.clinical_text(copy)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Changes to “{live.title}”",
            "live": live,
            "copy": copy,
            "changes": diff.changes(live_text, working_text, labels),
            "live_html": live.body_html,
            "working_html": copy.body_html,
            "can_approve": can_approve,
        }
        return TemplateResponse(request, "admin/articles/working_copy_changes.html", context)


# --- The reading list of templates and programmes (articles.care_plan) ---------------------------------------------


class ReadingFormSet(forms.BaseInlineFormSet):
    """Saves through articles.care_plan, so each change goes into the programme's history under its author."""

    actor = None  # set per request by ReadingInline.get_formset

    def save(self, commit=True):
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        for form in self.forms:
            adding = form.instance._state.adding
            if form in self.deleted_forms:
                if not adding:
                    care_plan.remove_reading(reading=self._saved(form), actor=self.actor)
                    self.deleted_objects.append(form.instance)
                continue
            if not form.has_changed():
                continue
            article, week = form.cleaned_data["article"], form.cleaned_data["week"]
            if not adding and "article" in form.changed_data:  # another article: the old one comes off the list
                care_plan.remove_reading(reading=self._saved(form), actor=self.actor)
                adding = True
            if adding:
                reading = care_plan.add_reading(program=self.instance, article=article, week=week, actor=self.actor)
                self.new_objects.append(reading)
            else:
                reading = care_plan.change_reading(reading=self._saved(form), week=week, actor=self.actor)
                self.changed_objects.append((reading, form.changed_data))
        return self.new_objects + [reading for reading, _ in self.changed_objects]

    @staticmethod
    def _saved(form) -> Reading:
        # The form already wrote the new values into form.instance: compare with the row as it is stored.
        return Reading.objects.select_related("article", "program").get(pk=form.instance.pk)


class ReadingInline(TabularInline):
    model = Reading
    formset = ReadingFormSet
    extra = 0
    fields = ["article", "week", "read"]
    readonly_fields = ["read"]
    autocomplete_fields = ["article"]
    verbose_name = "article to read"
    verbose_name_plural = "reading (shown on the patient's Today page from its week)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"actor": request.user})

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")

    @admin.display(description="read by the patient")
    def read(self, obj):
        if obj.pk is None:
            return "–"  # a row being added
        return date_format(timezone.localtime(obj.read_at), "j M Y") if obj.read_at else "Not yet"


class TemplateReadingInline(TabularInline):
    model = TemplateReading
    extra = 0
    fields = ["article", "week"]
    autocomplete_fields = ["article"]
    verbose_name = "article to read"
    verbose_name_plural = "reading (copied into each programme assigned from this template)"


# Inlines of this app on the programs app's pages (programs cannot import articles; docs/architecture.md).
ProgramAdmin.inlines = [*ProgramAdmin.inlines[:-1], ReadingInline, ProgramAdmin.inlines[-1]]
ProgramTemplateAdmin.inlines = [*ProgramTemplateAdmin.inlines, TemplateReadingInline]
