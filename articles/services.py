"""Article use cases: save, the review and publishing workflow, revisions and review reminders."""

import datetime
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles.emails import ARTICLE_REVIEW_DUE
from articles.models import FAQ, MAX_BODY_CHARS, Article, Reference, Revision
from articles.rendering import mentioned_exercise_slugs, render_markdown
from portal.outbox import queue_email
from programs.models import Exercise

REVIEW_PERMISSION = "articles.can_review_clinically"
REVIEW_INTERVAL = datetime.timedelta(days=365)
SNAPSHOT_FIELDS = [
    "title", "slug", "summary", "body", "hero_alt", "status", "publish_at", "last_reviewed", "next_review_due",
    "author_id", "clinical_reviewer_id",
]  # fmt: skip
SNAPSHOT_M2M = ["conditions", "tags", "related_exercises", "related_articles"]
CLINICAL_FIELDS = ["title", "summary", "body", "hero_image", "hero_alt"]


def known_exercises(body: str) -> dict[str, Exercise]:
    slugs = mentioned_exercise_slugs(body)
    return {exercise.slug: exercise for exercise in Exercise.objects.filter(slug__in=slugs)} if slugs else {}


def validate_body(body: str) -> dict[str, Exercise]:
    """The exercises a body names; a ValidationError on `body` listing any slug not in the library. Checks the
    length first: nothing longer than MAX_BODY_CHARS is parsed."""
    if len(body) > MAX_BODY_CHARS:
        raise ValidationError({"body": f"An article may be at most {MAX_BODY_CHARS:,} characters long."})
    exercises = known_exercises(body)
    unknown = [slug for slug in mentioned_exercise_slugs(body) if slug not in exercises]
    if unknown:
        raise ValidationError(
            {"body": f"No exercise in the library has the slug: {', '.join(unknown)}. Check the spelling."}
        )
    return exercises


def _render(article: Article) -> dict[str, Exercise]:
    """Check the body, store its HTML and contents; return the exercises it names."""
    exercises = validate_body(article.body)
    rendered = render_markdown(article.body, exercises)
    article.body_html, article.toc = rendered.html, rendered.toc
    return exercises


def clinical_text(article: Article) -> dict:
    """What a clinician approves: the words and the picture patients see, and the FAQs' answers."""
    data = {name: str(getattr(article, name)) for name in CLINICAL_FIELDS}
    faqs = article.faqs.order_by("position", "pk").values_list("question", "answer") if article.pk else []
    data["faqs"] = [list(row) for row in faqs]
    return data


@transaction.atomic
def save_article(*, article: Article, user, note: str = "", save_related: Callable[[], None] | None = None) -> Article:
    """The one door for an article's content (the admin, a restore and the demo seed all come here): check the
    body, render it, save the article, then its related rows (`save_related`: the admin's many-to-many fields
    and inline references and FAQs), and record a revision of the whole, all in one transaction.

    A live article's clinical text is refused here, whoever calls: it changes through a working copy that a
    clinician approves (`start_working_copy`, `approve_working_copy`). Changing the text of a reviewed article
    that is not live yet clears the review, so it cannot be published unreviewed."""
    created = article.pk is None
    article.body = article.body.replace("\r\n", "\n")  # a browser's textarea sends CRLF: not a change of text
    stored = None if created else Article.objects.select_for_update().get(pk=article.pk)
    before = None if stored is None else clinical_text(stored)
    exercises = _render(article)
    if article.author_id is None and user is not None:
        article.author = user
    article.full_clean()
    article.save()
    if save_related is not None:
        save_related()
    article.related_exercises.add(*exercises.values())  # what it embeds or links, so each exercise page lists it
    note = note or ("Created" if created else "Edited")
    if stored is not None and clinical_text(article) != before:
        if stored.is_live:
            raise ValidationError(
                f"“{stored.title}” is live: its text changes only through a working copy that a clinician approves."
            )
        if article.clinical_reviewer_id:
            article.clinical_reviewer, article.last_reviewed = None, None
            article.save(update_fields=["clinical_reviewer", "last_reviewed"])
            note += "; the text changed, so it needs a clinical review again"
    _record_revision(article=article, user=user, note=note)
    return article


def _copy_content(source: Article, target: Article) -> None:
    """The text, the picture and the related rows of `source` onto `target` (saved by the caller)."""
    for name in ("title", "summary", "body", "hero_image", "hero_alt"):
        setattr(target, name, getattr(source, name))


def _copy_related(source: Article, target: Article) -> None:
    for name in SNAPSHOT_M2M:
        getattr(target, name).set(getattr(source, name).all())
    target.faqs.all().delete()
    FAQ.objects.bulk_create(
        FAQ(article=target, question=row.question, answer=row.answer, position=row.position)
        for row in source.faqs.all()
    )
    target.references.all().delete()
    Reference.objects.bulk_create(
        Reference(article=target, title=row.title, source=row.source, url=row.url, position=row.position)
        for row in source.references.all()
    )


@transaction.atomic
def start_working_copy(*, article: Article, user) -> Article:
    """The draft in which a live article's text is changed: one per live article, a copy of it to begin with."""
    live = Article.objects.select_for_update().get(pk=article.pk)
    existing = Article.objects.filter(working_copy_of=live).first()
    if existing is not None:
        return existing
    if not live.is_live:
        raise ValidationError(f"“{live.title}” is not live: edit it directly.")
    copy = Article(slug=f"{live.slug[:180]}-working-copy", author=user, working_copy_of=live)
    _copy_content(live, copy)
    return save_article(
        article=copy, user=user, note="Working copy of the live version", save_related=lambda: _copy_related(live, copy)
    )


@transaction.atomic
def approve_working_copy(*, article: Article, user, next_review_due: datetime.date | None = None) -> Article:
    """A clinician puts a working copy's text live (one click, minor or not): the live article takes its text
    and related rows, is reviewed today by `user`, and the copy is gone. The revision names who wrote the
    change (the copy's last editor) and who approved it."""
    if not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("Only clinical reviewers can approve a change to a live article.")
    copy = Article.objects.select_for_update().get(pk=article.pk)
    if copy.working_copy_of_id is None:
        raise ValidationError(f"“{copy.title}” is not a working copy.")
    live = Article.objects.select_for_update().get(pk=copy.working_copy_of_id)
    latest = copy.revisions.select_related("created_by").first()
    writer = latest.created_by if latest else None
    _copy_content(copy, live)
    today = timezone.localdate()
    live.clinical_reviewer, live.last_reviewed = user, today
    live.next_review_due = next_review_due or today + REVIEW_INTERVAL
    _render(live)
    live.full_clean()
    live.save()
    _copy_related(copy, live)
    _record_revision(article=live, user=writer, note="Approved change went live", approved_by=user)
    copy.delete()
    return live


def snapshot(article: Article) -> dict:
    data = {name: getattr(article, name) for name in SNAPSHOT_FIELDS}
    data["publish_at"] = article.publish_at.isoformat() if article.publish_at else None
    for name in ("last_reviewed", "next_review_due"):
        data[name] = data[name].isoformat() if data[name] else None
    for name in SNAPSHOT_M2M:
        data[name] = sorted(getattr(article, name).values_list("pk", flat=True))
    data["references"] = list(article.references.values("title", "source", "url", "position"))
    data["faqs"] = list(article.faqs.values("question", "answer", "position"))
    return data


def _record_revision(*, article: Article, user, note: str = "", approved_by=None) -> Revision:
    data = snapshot(article)
    previous = article.revisions.first()
    changed = [key for key in data if previous is None or previous.snapshot.get(key) != data[key]]
    revision = Revision(
        article=article, created_by=user, note=note, changed_fields=changed, snapshot=data, approved_by=approved_by
    )
    revision.full_clean()
    revision.save()
    return revision


@transaction.atomic
def restore_revision(*, revision: Revision, user) -> Article:
    """Put an article's content back as it was in `revision`. Workflow state (status, review) stays as it is now.
    A live article is restored into its working copy, for a clinician to approve."""
    article = Article.objects.select_for_update().get(pk=revision.article_id)
    data = revision.snapshot
    names = ["title", "summary", "body", "hero_alt", "author_id"]
    if article.is_live:
        article = start_working_copy(article=article, user=user)
    else:
        names.append("slug")
    for name in names:
        setattr(article, name, data[name])

    def save_related() -> None:
        for name in SNAPSHOT_M2M:
            getattr(article, name).set(data[name])
        article.references.all().delete()
        Reference.objects.bulk_create(Reference(article=article, **row) for row in data["references"])
        article.faqs.all().delete()
        FAQ.objects.bulk_create(FAQ(article=article, **row) for row in data["faqs"])

    note = f"Restored the revision of {revision.created_at:%Y-%m-%d %H:%M}"
    return save_article(article=article, user=user, note=note, save_related=save_related)


def _require_not_a_working_copy(article: Article) -> None:
    if article.working_copy_of_id:
        raise ValidationError(f"“{article.title}” is a working copy: a clinician approves it to make it live.")


def _require_publishable(article: Article) -> None:
    _require_not_a_working_copy(article)
    problems = []
    if not article.clinical_reviewer_id:
        problems.append("it has no clinical reviewer (a clinician must mark it reviewed)")
    if not article.summary.strip():
        problems.append("it has no summary")
    if not article.next_review_due:
        problems.append("it has no next review date")
    if not article.body.strip():
        problems.append("it has no body")
    if problems:
        raise ValidationError(f"“{article.title}” cannot be published: {'; '.join(problems)}.")


def _transition(article: Article, user, status: str, note: str, **fields) -> Article:
    for name, value in fields.items():
        setattr(article, name, value)
    article.status = status
    article.full_clean()
    article.save()
    _record_revision(article=article, user=user, note=note)
    return article


@transaction.atomic
def submit_for_review(*, article: Article, user) -> Article:
    _require_not_a_working_copy(article)
    if article.status != Article.Status.DRAFT:
        raise ValidationError(f"“{article.title}” is {article.get_status_display().lower()}, not a draft.")
    return _transition(article, user, Article.Status.IN_REVIEW, "Submitted for clinical review")


@transaction.atomic
def publish_now(*, article: Article, user) -> Article:
    if article.status == Article.Status.PUBLISHED:
        raise ValidationError(f"“{article.title}” is already published.")
    _require_publishable(article)
    now = timezone.now()
    return _transition(article, user, Article.Status.PUBLISHED, "Published", published_at=now, publish_at=None)


@transaction.atomic
def schedule(*, article: Article, user, publish_at: datetime.datetime) -> Article:
    if publish_at is None or publish_at <= timezone.now():
        raise ValidationError(f"“{article.title}” needs a publishing time in the future to be scheduled.")
    if article.status in (Article.Status.PUBLISHED, Article.Status.ARCHIVED):
        raise ValidationError(f"“{article.title}” is {article.get_status_display().lower()}; it cannot be scheduled.")
    _require_publishable(article)
    note = f"Scheduled for {timezone.localtime(publish_at):%Y-%m-%d %H:%M}"
    return _transition(article, user, Article.Status.SCHEDULED, note, publish_at=publish_at)


def publish_due(*, now: datetime.datetime | None = None) -> int:
    """Publish the scheduled articles whose time has come. Safe to run concurrently and again."""
    now = now or timezone.now()
    published = 0
    for pk in Article.objects.filter(status=Article.Status.SCHEDULED, publish_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            # Claim the row: a second runner finds it locked or no longer scheduled and moves on.
            article = (
                Article.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=Article.Status.SCHEDULED)
                .first()
            )
            if article is None:
                continue
            _transition(
                article, None, Article.Status.PUBLISHED, "Published on schedule", published_at=article.publish_at
            )
            published += 1
    return published


@transaction.atomic
def mark_reviewed(*, article: Article, user, next_review_due: datetime.date | None = None) -> Article:
    if not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("Only clinical reviewers can mark an article as clinically reviewed.")
    _require_not_a_working_copy(article)
    if article.status == Article.Status.ARCHIVED:
        raise ValidationError(f"“{article.title}” is archived; restore it to a draft before reviewing.")
    today = timezone.localdate()
    next_review_due = next_review_due or today + REVIEW_INTERVAL
    if next_review_due <= today:
        raise ValidationError("The next review date must be in the future.")
    article.clinical_reviewer, article.last_reviewed, article.next_review_due = user, today, next_review_due
    article.full_clean()
    article.save()
    _record_revision(article=article, user=user, note="Clinically reviewed", approved_by=user)
    return article


@transaction.atomic
def archive(*, article: Article, user) -> Article:
    if article.status == Article.Status.ARCHIVED:
        raise ValidationError(f"“{article.title}” is already archived.")
    return _transition(article, user, Article.Status.ARCHIVED, "Archived", publish_at=None)


# --- Review reminders --------------------------------------------------------------------------------


@transaction.atomic
def send_review_reminders(*, today: datetime.date | None = None) -> int:
    """Queue, for each clinical reviewer, one email listing the articles due for review within 14 days or
    overdue; at most one per reviewer per ISO week (the key). Returns how many were queued now."""
    today, started = today or timezone.localdate(), timezone.now()
    due = Article.objects.review_due(today).filter(clinical_reviewer__is_active=True)
    reviewers = get_user_model().objects.filter(pk__in=due.values("clinical_reviewer")).exclude(email="")
    year, week, _day = today.isocalendar()
    queued = 0
    for reviewer in reviewers.order_by("pk"):
        row = queue_email(
            kind=ARTICLE_REVIEW_DUE,
            to=reviewer.email,
            key=f"{ARTICLE_REVIEW_DUE}:{reviewer.pk}:{year}-W{week:02d}",
            context={"reviewer_id": reviewer.pk, "today": today.isoformat()},
            clinic=reviewer.clinic,
        )
        queued += row.created_at >= started
    return queued
