"""Nothing a user types runs in anyone's browser: the XSS corpus through every free-text field.

Each payload of `xss_payloads.PAYLOADS` is written, through the services, into every free-text field
that a page or an email shows (`FIELDS` lists them). Short fields get the corpus packed into several
objects ("rounds"); long text fields get all of it at once. Chromium then loads each page that shows them
(`page_paths`) with the Content-Security-Policy bypassed, so a missing escape is caught even though CSP
would have blocked it in production, and checks that:

- the sentinel stays unset (`window.__xss`, `document.title == "XSS"`) and no dialog opened;
- the DOM has no on* attribute, javascript:/data: URL or <script> that came from the data;
- the payload text is on the page (so the test cannot pass by showing nothing).

Emails built from the same rows are rendered and parsed for active content.

To cover a new page, add its path to `page_paths` (per round, or once for a list); to cover a new field,
write the payload into it in `make_round` and add a line to `FIELDS`.
"""

import datetime
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from uuid import uuid4

import pytest
from django.test import Client

from articles import services as article_services
from articles.models import FAQ, Reference
from articles.tests.factories import ArticleFactory, reviewed
from patients import services as patient_services
from patients.models import Alert
from portal import roles
from portal.outbox.models import OutboundEmail
from portal.outbox.rendering import render_email
from portal.outbox.services import queue_email
from portal.tests.xss_payloads import ALL, PAYLOADS, packed
from programs.models import Exercise, ProgramTemplate, TemplateItem, TemplatePhase
from programs.services import assign_program
from testing.factories import StaffFactory

# (model.field, max length or None for unlimited text): each gets every payload.
FIELDS = [
    ("Article.title", 200),
    ("Article.summary", 300),
    ("Article.body", None),
    ("FAQ.question", 300),
    ("FAQ.answer", None),
    ("Reference.title", 300),
    ("Reference.source", 200),
    ("Reference.url", 200),
    ("Exercise.name", 120),
    ("Exercise.summary", 250),
    ("Exercise.instructions", None),
    ("Exercise.what_to_feel", None),
    ("Exercise.cautions", None),
    ("Exercise.equipment", 200),
    ("ProgramTemplate.name", 150),
    ("ProgramTemplate.description", None),
    ("ProgramTemplate.default_goals", None),
    ("ProgramTemplate.condition", 200),
    ("TemplatePhase.title / ProgramPhase.title", 120),
    ("TemplatePhase.note / ProgramPhase.note", None),
    ("TemplateItem.note / ProgramItem.note", 250),
    ("Program.title", 150),
    ("Program.goals", None),
    ("User.first_name (patient)", 150),
    ("User.last_name (patient)", 150),
    ("User.first_name (staff)", 150),
    ("User.last_name (staff)", 150),
    ("Alert.message", 300),
]
FIELDS += [("CheckIn.answers PSFS activity name", 120), ("SessionLog.note", 2000)]
PREFIX = 5  # "12 · " keeps packed values unique across rounds
ROUNDS = max(len(packed(limit - PREFIX)) for _name, limit in FIELDS if limit)


def value(round_: int, limit: int) -> str:
    chunks = packed(limit - PREFIX)
    return f"{round_:02d} · {chunks[round_ % len(chunks)]}"


@dataclass
class Round:
    article: object
    exercise: object
    template: object
    program: object
    patient: object
    physio: object
    alert: object
    patient_session: str = field(default="")


def make_round(r: int, clinic, reviewer) -> Round:
    """Round r carries the r-th packed value in each short field; round 0 also carries the whole corpus in
    each long text field (the later rounds keep those short, so their pages load fast)."""
    text = ALL if r == 0 else f"Plain text {r}."
    physio = StaffFactory(
        email=f"xss-physio-{r}@test.example",
        first_name=value(r, 150),
        last_name=value(r + 1, 150),
        clinic=clinic,
        role=roles.PHYSIOTHERAPIST,
    )
    patient = patient_services.create_patient(
        clinic=clinic,
        primary_physio=physio,
        email=f"xss-patient-{r}@test.example",
        first_name=value(r, 150),
        last_name=value(r + 1, 150),
    )
    exercise = Exercise(
        name=value(r, 120),
        slug=f"xss-{r}",
        body_region=Exercise.BodyRegion.LOWER_BACK,
        kind=Exercise.Kind.STRETCH,
        summary=value(r, 250),
        instructions=text,
        what_to_feel=text,
        cautions=text,
        equipment=value(r, 200),
        sets=2,
        reps=10,
        times_per_day=1,
    )
    exercise.full_clean()
    exercise.save()
    template = ProgramTemplate.objects.create(
        name=value(r, 150), slug=f"xss-{r}", description=text, default_goals=text, condition=value(r, 200)
    )
    phase = TemplatePhase.objects.create(template=template, order=1, title=value(r, 120), duration_weeks=2, note=text)
    TemplateItem.objects.create(phase=phase, exercise=exercise, order=1, note=value(r, 250), **exercise.dosage_dict())
    program = assign_program(
        patient=patient,
        physio=physio,
        template=template,
        start_date=datetime.date.today(),
        title=value(r, 150),
        goals=text,
    )
    article = ArticleFactory.build(title=value(r, 200), slug=f"xss-{r}", summary=value(r, 300), body=text)
    article_services.save_article(article=article, user=reviewer)
    reviewed(article, reviewer)
    article_services.publish_now(article=article, user=reviewer)
    if r == 0:  # one FAQ and one reference per payload, on the first article
        for position, payload in enumerate(PAYLOADS):
            FAQ.objects.create(article=article, question=payload, answer=payload, position=position)
            # Written around the form's URL validation on purpose: the page must still not make it a link.
            Reference.objects.create(
                article=article, title=payload, source=payload, url=f"javascript:{payload}"[:200], position=position
            )
    # PSFS activity names and the session note, shown on the patient's and the physio's progress pages.
    activities = [{"name": value(r + offset, 120), "score": 5} for offset in range(3)]
    patient_services.submit_check_in(
        patient=patient, questionnaire="psfs", answers={"activities": activities}, red_flags=[], token=uuid4()
    )
    item = program.items.first()
    patient_services.log_session(
        patient=patient,
        program=program,
        performed_on=datetime.date.today(),
        pain_before=3,
        pain_after=2,
        difficulty="about_right",
        note=text[:2000] if r else ALL[:2000],
        red_flags=[],
        exercises=[{"item": item, "sets_done": 1, "reps_done": 1, "side": item.side}],
        token=uuid4(),
    )
    alert = patient_services.raise_alert(
        patient=patient, kind=Alert.Kind.PAIN_HIGH, severity=Alert.Severity.LOW, key=f"xss:{r}", message=value(r, 300)
    )
    client = Client()
    client.force_login(patient.user)
    return Round(article, exercise, template, program, patient, physio, alert, client.cookies["sessionid"].value)


def page_paths(rounds: list[Round], admin: str) -> list[tuple[str, str | None]]:
    """(path, patient session or None for the superuser) for every page that shows the fields."""
    # Lists show the short fields of every round at once.
    pages: list[tuple[str, str | None]] = [
        ("/articles/", None),
        ("/exercises/", None),
        *((f"/{admin}{model}/", None) for model in ADMIN_LISTS),
    ]
    for r in rounds:
        pages += [
            (r.article.get_absolute_url(), None),
            (f"/exercises/{r.exercise.slug}/", None),
            (f"/my/programs/{r.program.pk}/handout/", r.patient_session),
            ("/my/progress/", r.patient_session),
        ]
    # The admin lists above show every round's names and titles; a change form puts the short fields in
    # <input value>, escaped by the same widget code whatever the value, so the change pages are loaded
    # for the round that also has the whole corpus in every text field.
    first = rounds[0]
    pages += [
        (f"/{admin}programs/program/{first.program.pk}/change/", None),
        (f"/{admin}patients/patient/{first.patient.pk}/change/", None),
        (f"/{admin}patients/patient/{first.patient.pk}/progress/", None),
        (f"/{admin}articles/article/{first.article.pk}/change/", None),
        (f"/{admin}programs/exercise/{first.exercise.pk}/change/", None),
        (f"/{admin}programs/programtemplate/{first.template.pk}/change/", None),
        (f"/{admin}patients/alert/{first.alert.pk}/change/", None),
        (f"/{admin}portal/user/{first.physio.pk}/change/", None),
    ]
    return pages


ADMIN_LISTS = [
    "articles/article",
    "programs/exercise",
    "programs/programtemplate",
    "programs/program",
    "programs/programchange",
    "patients/patient",
    "patients/alert",
    "portal/user",
]

# Runs in the page: everything that would let a payload act, now or on a click or hover.
DOM_SCAN = r"""() => {
  const found = [];
  if (window.__xss) found.push("sentinel window.__xss is set");
  if (document.title === "XSS") found.push("document.title was changed");
  const urlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href", "srcdoc", "background"];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\s\u0000-\u001f]/g, "").toLowerCase();
      if (name.startsWith("on")) found.push(`<${element.tagName}> has ${name}="${attribute.value}"`);
      if (name === "srcdoc") found.push(`<${element.tagName}> has srcdoc`);
      if (urlAttributes.includes(name) && value.startsWith("javascript:"))
        found.push(`<${element.tagName}> ${name}="${attribute.value}"`);
      if (urlAttributes.includes(name) && value.startsWith("data:") && element.tagName !== "IMG")
        found.push(`<${element.tagName}> ${name}="${attribute.value}"`);
    }
  }
  for (const script of document.querySelectorAll("script")) {
    const data = ["application/ld+json", "application/json"].includes(script.type);  // inert, escaped JSON
    const foreign = script.src && new URL(script.src).origin !== location.origin;
    if ((!data && script.textContent.includes("__xss")) || foreign)
      found.push(`<script> ${script.src || script.textContent.slice(0, 80)}`);
  }
  for (const tag of ["iframe", "object", "embed", "base", "meta[http-equiv]", "svg animate", "math", "marquee"])
    for (const element of document.querySelectorAll(`main ${tag}, #content ${tag}`))
      found.push(`injected <${element.tagName}>`);
  return found;
}"""


@pytest.fixture
def csp_free_page(_chromium, live_server):
    """A browser tab that ignores Content-Security-Policy, so only escaping stands between payload and page."""
    context = _chromium.new_context(base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def rounds(require_postgres, settings, clinic, physio):
    settings.STAFF_2FA_REQUIRED = False
    return [make_round(r, clinic, physio) for r in range(ROUNDS)]


def test_no_payload_runs_on_any_page_with_csp_off(csp_free_page, live_server, rounds, superuser, settings):
    page = csp_free_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    client = Client()
    client.force_login(superuser)
    staff_session = client.cookies["sessionid"].value
    paths = page_paths(rounds, settings.ADMIN_URL)
    problems = []
    for path, session in paths:
        page.context.clear_cookies()
        page.context.add_cookies([{"name": "sessionid", "value": session or staff_session, "url": live_server.url}])
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        page.wait_for_timeout(20)  # let onload/onfocus/animation handlers fire
        problems += [f"{path}: {problem}" for problem in page.evaluate(DOM_SCAN)]
        problems += [f"{path}: a dialog opened: {message}" for message in dialogs]
        dialogs.clear()
        assert "__xss" in page.content(), f"{path} shows none of the payloads"
    assert not problems, "\n".join(problems)
    print(f"\n{len(PAYLOADS)} payloads × {len(FIELDS)} fields, {ROUNDS} rounds, {len(paths)} page loads")


class ActiveContent(HTMLParser):
    """Collects what would be active in an HTML email: scripts, on* handlers, javascript:/data: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        refresh = tag == "meta" and any(name == "http-equiv" for name, _value in attrs)
        if tag in ("script", "iframe", "object", "embed", "base", "form") or refresh:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            url = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "background") and url.startswith(("javascript:", "data:")):
                self.found.append(f"<{tag} {name}={value}>")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


def test_emails_built_from_the_payloads_carry_no_active_content(db, clinic):
    """Staff names in the welcome email (through the outbox); article titles and the reviewer's name in
    the review reminder."""
    staff = [
        StaffFactory(
            email=f"xss-staff-{r}@test.example",
            first_name=value(r, 150),
            last_name=value(r + 1, 150),
            clinic=clinic,
            role=roles.PHYSIOTHERAPIST,
        )
        for r in range(len(packed(150 - PREFIX)))
    ]
    htmls = []
    for user in staff:
        key = f"xss-welcome:{user.pk}"
        row = queue_email(kind="staff_welcome", to=user.email, key=key, context={"user_id": user.pk})
        htmls.append(render_email(row, check_opt_out=False).html)
    today = datetime.date.today()
    for r in range(len(packed(200 - PREFIX))):
        ArticleFactory(title=value(r, 200), clinical_reviewer=staff[0], next_review_due=today)
    article_services.send_review_reminders(today=today)
    reminder = OutboundEmail.objects.get(kind="article_review_due", recipient=staff[0].email)
    htmls.append(render_email(reminder, check_opt_out=False).html)
    problems = [problem for html in htmls for problem in active_content(html)]
    assert not problems, problems
    # The names and titles are in the emails, escaped: the check above looked at real payloads.
    assert all("__xss" in html for html in htmls)
    assert any("&lt;script&gt;" in html for html in htmls)
