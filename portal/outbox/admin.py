from django.contrib import admin, messages
from django.utils.html import escape, format_html

from portal.outbox import services
from portal.outbox.kinds import Cancel, kind_names
from portal.outbox.models import EmailOptOut, OutboundEmail
from portal.outbox.rendering import render_email
from portal.scoping import ClinicScopedAdmin


class KindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(name, name) for name in kind_names()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ClinicScopedAdmin):
    """The outbox. Rows change only through the actions; a row's own page is read-only."""

    list_display = ["created_at", "kind", "recipient", "status", "attempts", "next_attempt_at", "sent_at", "urgent"]
    # A date filter instead of date_hierarchy: the hierarchy's SELECT DISTINCT date_trunc(...) reads the whole
    # table on every page (36 ms at 60k rows).
    list_filter = ["status", KindFilter, "urgent", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["clinic"]
    search_fields = ["recipient", "=key"]
    actions = ["retry_failed", "cancel_pending"]
    fields = [
        "key", "kind", "recipient", "clinic", "urgent", "status", "attempts", "next_attempt_at", "queued_at",
        "claimed_at", "sent_at", "last_error", "cancel_reason", "created_at", "message_id", "context", "preview",
    ]  # fmt: skip
    readonly_fields = fields

    class Media:
        css = {"all": ["portal/outbox-admin.css"]}

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the outbox is the record of what was sent; cancel instead

    def has_change_permission(self, request, obj=None):
        # Changing means running the actions on the list; no row is edited by hand.
        return obj is None and super().has_change_permission(request)

    @admin.display(description="Message-ID")
    def message_id(self, obj: OutboundEmail) -> str:
        return obj.message_id

    @admin.display(description="Rendered message")
    def preview(self, obj: OutboundEmail) -> str:
        try:
            rendered = render_email(obj, check_opt_out=False, preview=True)
        except Cancel as cancel:
            return f"Would be cancelled: {cancel}"
        except Exception as exc:  # a broken template or kind must not break the admin page
            return f"Cannot render: {exc!r}"
        # The HTML runs in an empty sandbox (no scripts, forms, plugins or same-origin access).
        # Rendered templates are SafeStrings, which format_html would not escape: escape() always does.
        return format_html(
            '<p><strong>Subject:</strong> {}</p><pre class="outbox-text">{}</pre>'
            '<iframe sandbox="" srcdoc="{}" title="HTML version of the email" class="outbox-preview"></iframe>'
            '<details><summary>HTML source</summary><pre class="outbox-text">{}</pre></details>',
            escape(rendered.subject),
            escape(rendered.text),
            escape(rendered.html),
            escape(rendered.html),
        )

    @admin.action(description="Retry selected failed emails", permissions=["change"])
    def retry_failed(self, request, queryset):
        rows = list(queryset.filter(status=OutboundEmail.Status.FAILED))
        count = services.retry_failed_emails(ids=[row.pk for row in rows])
        for row in rows:
            self.log_change(request, row, "Retried from the admin")
        self.message_user(request, f"{count} failed email(s) queued again.", messages.SUCCESS)

    @admin.action(description="Cancel selected pending emails", permissions=["change"])
    def cancel_pending(self, request, queryset):
        rows = list(queryset.filter(status=OutboundEmail.Status.PENDING))
        count = services.cancel_pending_emails(
            ids=[row.pk for row in rows], reason=f"cancelled in the admin by {request.user.email}"
        )
        for row in rows:
            self.log_change(request, row, "Cancelled from the admin")
        self.message_user(request, f"{count} pending email(s) cancelled.", messages.SUCCESS)


@admin.register(EmailOptOut)
class EmailOptOutAdmin(admin.ModelAdmin):
    """Who asked for no more emails of a group. Not clinic-scoped, so no role is granted it: superusers only."""

    list_display = ["email", "group", "created_at"]
    list_filter = ["group"]
    search_fields = ["email"]
    readonly_fields = ["email", "group", "created_at"]

    def has_add_permission(self, request):
        return False  # opt-outs come from the recipient's own link
