"""Demo articles: the clinic's back-and-legs article in our own words, a scheduled one and a draft."""

import datetime

from django.utils import timezone

from articles import services
from articles.models import FAQ, Article, Condition, Reference, Tag, TemplateReading
from programs.models import Exercise

CONDITIONS = [
    ("Sciatica", "sciatica"),
    ("Lumbar radiculopathy", "lumbar-radiculopathy"),
    ("Spinal stenosis", "spinal-stenosis"),
    ("Degenerative disc disease", "degenerative-disc-disease"),
    ("Spondylolisthesis", "spondylolisthesis"),
]
TAGS = [("Lower back", "lower-back"), ("Exercise", "exercise"), ("Self-care", "self-care"), ("Sleep", "sleep")]

# Minimal rows so this demo works on its own; the programs demo (seeded first) gives them full content.
EXERCISES = {
    "knee-to-chest": ("Knee to chest", "stretch", "lower-back", "Hug one knee towards your chest."),
    "figure-four-stretch": ("Figure-four stretch", "stretch", "hips", "Stretch the buttock with one ankle on a knee."),
    "childs-pose": ("Child's pose", "stretch", "lower-back", "Kneel and fold forward to lengthen the back."),
    "seated-piriformis-stretch": ("Seated piriformis stretch", "stretch", "hips", "Lean forward over a crossed leg."),
    "pelvic-tilts": ("Pelvic tilts", "mobility", "core", "Flatten and arch the low back while lying down."),
    "hamstring-stretch": ("Hamstring stretch", "stretch", "legs", "Lengthen the back of the thigh."),
    "hip-flexor-stretch": ("Hip flexor stretch", "stretch", "hips", "Stretch the front of the hip in a half-kneel."),
    "walking": ("Walking", "aerobic", "whole-body", "Short, regular walks that build up over weeks."),
    "swimming": ("Swimming", "aerobic", "whole-body", "Gentle lengths where the water takes your weight."),
}

BACK_PAIN_BODY = """\
Pain that starts in the lower back and travels into both legs can make standing, walking and sleeping hard.
Most of the time it comes from a nerve root in the lower spine being squeezed or irritated. This page explains
the usual causes, what you can do at home, and when to get help quickly.

::: warning Get urgent help: call 999 or go to A&E
Go now if back pain comes with **numbness around your bottom, genitals or inner thighs**, **new trouble
passing urine or controlling your bowels**, **sciatica in both legs**, **numbness or weakness in both legs**,
or **weakness in a leg that is getting worse quickly**. These can be signs of cauda equina syndrome, which
needs treatment in hospital straight away.
:::

::: note Speak to a doctor the same day
Call your GP surgery or the clinic today if back pain comes with a **high temperature or feeling unwell**,
**weight loss you cannot explain**, a **history of cancer**, a **fall or accident**, or if you take medicine
that **weakens your immune system** or inject drugs.
:::

## Why does the pain spread into both legs?

Nerves leave the spine through small gaps between the bones of the lower back. When something presses on or
inflames these nerve roots, pain, tingling or numbness can follow the nerve down the leg. When roots on both
sides are affected, both legs hurt.

### Sciatica

The sciatic nerve is the largest in the body. It runs from the lower back, through the buttock and down the back
of each leg. Pressure on the roots that form it sends pain along that path.

### Lumbar radiculopathy

This is the medical name for an irritated or compressed nerve root in the lower back. A bulging or slipped disc
and narrowing of the spine are common reasons.

### Degenerative disc disease

The discs between the bones slowly lose water and spring with age. Injury and long periods of strain can speed
this up. Thinner, stiffer discs can let the bones and nerves come closer together.

### Spinal stenosis

Stenosis means the channel for the nerves has become narrower, for example from a bulging disc, bony spurs or
arthritis. Symptoms are often worse when walking and ease when you sit or lean forward.

### Spondylolisthesis

Here one bone of the spine has slipped forward on the one below. The slip can pinch the nerve roots as they leave.

### Other causes

Pregnancy, injuries and, rarely, infections or growths can also press on nerves. Pain from the sacroiliac
joints or from nerves at the front of the thigh can feel similar to sciatica.

## Exercises that can help

Staying gently active usually helps more than resting in bed. Start small, build up over a few weeks and stop any
movement that makes leg pain spread further down the leg. Your physio can tailor a programme for you.

- **Walking**: short walks several times a day keep blood flowing to the nerves and joints.
- **Swimming**: the water carries your weight, so the spine is not jolted.
- **Gentle yoga**: positions such as child's pose lengthen the back muscles.
- **Stretches** for the hamstrings, hip flexors and buttocks ease tension around the lower back.
- **Pelvic tilts** wake up the deep tummy muscles that support your spine.

{{exercise:walking}}

::: tip Take it steady
Running, jumping and heavy lifting can press harder on irritated nerves. Wait until a flare-up has settled, then
return to them gradually.
:::

## Stretches to try

Move slowly, breathe normally and stay within a comfortable stretch. Each name opens the exercise in our library,
with step-by-step instructions.

| Stretch | How it helps |
|---|---|
| [Knee to chest](exercise:knee-to-chest) | On your back, bring one knee to your chest to open the lower spine. |
| [Figure-four stretch](exercise:figure-four-stretch) | One ankle on the other knee, draw the legs in to stretch the buttock. |
| [Child's pose](exercise:childs-pose) | Kneel, sit back to your heels and reach forward; the back lengthens. |
| [Seated piriformis stretch](exercise:seated-piriformis-stretch) | Leg crossed, lean forward to stretch the muscle by the sciatic nerve. |
| [Pelvic tilts](exercise:pelvic-tilts) | Lying with knees bent, gently flatten then arch the lower back. |
| [Hamstring stretch](exercise:hamstring-stretch) | Lengthen the back of the thigh, which tugs on the pelvis when tight. |
| [Hip flexor stretch](exercise:hip-flexor-stretch) | Stretch the front of the hip, which tilts the pelvis when tight. |

## Treatments your clinician may suggest

- **Pain relief**: anti-inflammatory tablets from a pharmacy can help for a short time. Ask a pharmacist or GP
  which is safe for you.
- **Heat or cold**: a warm pack or a cold pack wrapped in a towel can ease muscle spasm.
- **Physiotherapy**: exercise, hands-on treatment and advice on how to keep moving.
- **Injections**: a steroid injection near the nerve may calm severe pain for a while.
- **Surgery**: only for a few people, when a nerve stays badly squeezed despite other treatment.

## Lying down and sleep

Lying in one position for a long time can make leg pain stiffer. Try lying on your side with your knees bent and a
pillow between them, and change position when you need to. Pain at night that is **constant and does not ease
whatever position you lie in** is different: tell your physiotherapist about it.
"""  # noqa: E501 (Markdown table rows are long by nature)

BACK_PAIN_FAQS = [
    (
        "Is pain in both legs always sciatica?",
        "No. Irritated nerves at the front of the thigh or a stiff sacroiliac joint can cause similar pain. "
        "A clinician can tell them apart by examining you.",
    ),
    (
        "Why is it worse before my period?",
        "Hormone changes around a period can loosen ligaments and increase inflammation, so nerves that are "
        "already sensitive may hurt more for a few days.",
    ),
    (
        "Can long COVID cause back and leg pain?",
        "Some people report ongoing back and leg pain after COVID-19. The reasons are not fully understood, so "
        "ask your GP to assess it rather than assuming the cause.",
    ),
]

BACK_PAIN_REFERENCES = [
    ("Sciatica", "NHS", "https://www.nhs.uk/conditions/sciatica/"),
    ("Cauda equina syndrome", "NHS", "https://www.nhs.uk/conditions/cauda-equina-syndrome/"),
    (
        "Low back pain and sciatica in over 16s: assessment and management (NG59)",
        "National Institute for Health and Care Excellence",
        "https://www.nice.org.uk/guidance/ng59",
    ),
]

SCHEDULED_BODY = """\
A sitting job does not have to mean a stiff back. Small changes through the day add up.

## Change position often

Stand up at least every half hour. A short walk to refill your water is enough.

## Set up your chair

Sit with your feet flat, hips a little higher than your knees and the screen at eye level.

{{exercise:pelvic-tilts}}
"""

DRAFT_BODY = """\
Many people with back pain sleep badly, and poor sleep makes pain feel worse.

## Positions to try

On your side with a pillow between the knees, or on your back with a pillow under the knees.
"""


def _exercises() -> None:
    for slug, (name, kind, region, summary) in EXERCISES.items():
        Exercise.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "kind": kind, "body_region": region, "summary": summary, "instructions": summary},
        )


def _article(slug: str, *, author, title: str, summary: str, body: str, conditions=(), tags=(), more=None) -> Article:
    article = Article.objects.filter(slug=slug).first() or Article(slug=slug)
    if article.is_live:
        return article  # its text is what a clinician approved (maybe since): seeding again leaves it alone
    article.title, article.summary, article.body, article.author = title, summary, body, author

    def save_related() -> None:
        article.conditions.set(Condition.objects.filter(slug__in=conditions))
        article.tags.set(Tag.objects.filter(slug__in=tags))
        if more:
            more(article)

    return services.save_article(article=article, user=author, note="Demo content", save_related=save_related)


def _back_pain_extras(back: Article) -> None:
    back.related_exercises.set(Exercise.objects.filter(slug__in=list(EXERCISES)))
    back.faqs.all().delete()
    FAQ.objects.bulk_create(
        FAQ(article=back, question=q, answer=a, position=i) for i, (q, a) in enumerate(BACK_PAIN_FAQS)
    )
    back.references.all().delete()
    Reference.objects.bulk_create(
        Reference(article=back, title=t, source=s, url=u, position=i)
        for i, (t, s, u) in enumerate(BACK_PAIN_REFERENCES)
    )


def seed(demo: dict) -> None:
    _exercises()
    for name, slug in CONDITIONS:
        Condition.objects.update_or_create(slug=slug, defaults={"name": name})
    for name, slug in TAGS:
        Tag.objects.update_or_create(slug=slug, defaults={"name": name})
    editor, physio = demo["editor"], demo["physio"]

    back = _article(
        "lower-back-pain-down-both-legs",
        author=editor,
        title="Lower back pain that spreads down both legs",
        summary="Why back pain can travel into both legs, stretches and exercises that help, "
        "and the warning signs that need urgent care.",
        body=BACK_PAIN_BODY,
        conditions=[slug for _name, slug in CONDITIONS],
        tags=["lower-back", "exercise", "self-care"],
        more=_back_pain_extras,
    )
    if back.status != Article.Status.PUBLISHED:
        services.mark_reviewed(article=back, user=physio)
        services.publish_now(article=back, user=editor)

    desk = _article(
        "back-care-at-a-desk",
        author=editor,
        title="Looking after your back at a desk",
        summary="Simple changes to how you sit and move during a working day.",
        body=SCHEDULED_BODY,
        tags=["lower-back", "self-care"],
    )
    desk.related_articles.set([back])
    if desk.status != Article.Status.SCHEDULED:
        services.mark_reviewed(article=desk, user=physio)
        publish_at = timezone.now() + datetime.timedelta(days=7)
        services.schedule(article=desk, user=editor, publish_at=publish_at)

    _article(
        "sleeping-with-back-pain",
        author=editor,
        title="Sleeping with back pain",
        summary="Positions and habits that can help you sleep when your back hurts.",
        body=DRAFT_BODY,
        tags=["sleep"],
    )
    demo["article"] = back
    # Education in the care plan: the demo protocol asks its patients to read the article in week 1.
    for template in demo["templates"].values():
        TemplateReading.objects.get_or_create(template=template, article=back, defaults={"week": 1})
