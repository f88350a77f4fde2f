"""The articles app's email kind: articles due for clinical review, to their reviewer (weekly)."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model

from articles.models import Article
from portal.outbox import Cancel, register_kind

ARTICLE_REVIEW_DUE = "article_review_due"


@register_kind(ARTICLE_REVIEW_DUE, group="reviews")
def article_review_due(context: dict) -> dict:
    """Context: {"reviewer_id", "today"}; the list is read when the email is sent."""
    reviewer = get_user_model().objects.filter(pk=context["reviewer_id"], is_active=True).first()
    if reviewer is None:
        raise Cancel("the reviewer's account is closed")
    today = datetime.date.fromisoformat(context["today"])
    articles = list(
        Article.objects.review_due(today).filter(clinical_reviewer=reviewer).order_by("next_review_due", "title")
    )
    if not articles:
        raise Cancel("every article was reviewed already")
    return {
        "reviewer": reviewer,
        "articles": articles,
        "today": today,
        "admin_base": f"{settings.SITE_URL.rstrip('/')}/{settings.ADMIN_URL}",
    }
