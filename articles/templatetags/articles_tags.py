import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# The same escapes as Django's json_script: no "</script>" or "<!--" can close or confuse the element.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


@register.simple_tag
def jsonld(data) -> str:
    """A `<script type="application/ld+json">`: data, not code, so a strict CSP allows it."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308


@register.inclusion_tag("articles/_review_due.html", takes_context=True)
def review_due_panel(context):
    from articles.models import Article

    user = context["request"].user
    if not user.has_perm("articles.view_article"):
        return {"show": False}
    articles = list(
        Article.objects.review_due()
        .select_related("clinical_reviewer")
        .only(
            "title",
            "next_review_due",
            "clinical_reviewer__first_name",
            "clinical_reviewer__last_name",
            "clinical_reviewer__email",
        )
        .order_by("next_review_due")[:50]
    )
    return {"show": True, "articles": articles}
