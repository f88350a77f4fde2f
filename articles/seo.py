"""Structured data for search engines (schema.org MedicalWebPage and BreadcrumbList)."""

from django.conf import settings
from django.urls import reverse

from articles.selectors import canonical_url


def _person(user) -> dict | None:
    if user is None:
        return None
    person = {"@type": "Person", "name": user.get_full_name() or "Clinic staff"}
    profile = user.clinician_profile_or_none
    if profile is not None:
        person["jobTitle"] = profile.get_profession_display()
    return person


def article_jsonld(article, url: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": article.title,
        "headline": article.title,
        "description": article.summary,
        "url": url,
        "inLanguage": "en-GB",
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "lastReviewed": article.last_reviewed.isoformat() if article.last_reviewed else None,
        "reviewedBy": _person(article.clinical_reviewer),
        "author": _person(article.author),
        "about": [{"@type": "MedicalCondition", "name": condition.name} for condition in article.conditions.all()],
        "publisher": {"@type": "MedicalClinic", "name": settings.SITE_NAME, "url": canonical_url("/")},
    }
    return {key: value for key, value in data.items() if value not in (None, "")}


def breadcrumbs_jsonld(article, url: str) -> dict:
    crumbs = [("Home", canonical_url("/")), ("Articles", canonical_url(reverse("articles:list"))), (article.title, url)]
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": item}
            for position, (name, item) in enumerate(crumbs, start=1)
        ],
    }
