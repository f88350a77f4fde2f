from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from articles import services
from articles.models import FAQ, Article, Condition, Reference, Revision, Tag
from articles.views import detail_context
from portal.admin_actions import apply_to_each
from programs.images import reencode_image


@admin.register(Condition, Tag)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ReferenceInline(admin.TabularInline):
    model = Reference
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    fields = ["position", "title", "source", "url"]


class FAQInline(admin.StackedInline):
    model = FAQ
    extra = 0
    fields = ["position", "question", "answer"]


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
        "status", "content_checks", "preview_link", "author", "clinical_reviewer", "last_reviewed",
        "next_review_due", "published_at", "revision_history",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "content_checks"]}),
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
                    "author",
                    "clinical_reviewer",
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

    class Media:
        css = {"all": ["articles/admin.css"]}
        js = ["articles/content-checks.js"]

    # --- columns and read-only fields -----------------------------------------------------------------

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
                revision.note or "Edited",
                ", ".join(revision.changed_fields[:8]),
                reverse("admin:articles_article_restore", args=[obj.pk, revision.pk]),
            )
            for revision in obj.revisions.select_related("created_by")[:30]
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
            services.restore_revision(revision=revision, user=request.user)
            self.message_user(request, "The article's content was restored from the revision.", messages.SUCCESS)
            return redirect("admin:articles_article_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "revision": revision,
            "article": revision.article,
            "title": "Restore this revision?",
        }
        return TemplateResponse(request, "admin/articles/revision_restore_confirm.html", context)
