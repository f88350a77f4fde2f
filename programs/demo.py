"""The demo exercise library and two protocols for low back pain that radiates down both legs.

Facts follow the clinic's reference article; the wording is ours. Safe to run again.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from programs import illustrations
from programs.models import Exercise, ExerciseImage, ProgramTemplate, TemplateItem, TemplatePhase

B, L, H, C, W = (
    Exercise.BodyRegion.LOWER_BACK,
    Exercise.BodyRegion.LEGS,
    Exercise.BodyRegion.HIPS,
    Exercise.BodyRegion.CORE,
    Exercise.BodyRegion.WHOLE_BODY,
)
K = Exercise.Kind
STOP_NERVE = "Pain shoots further down a leg than before, or numbness, pins and needles or weakness get worse."

EXERCISES = [
    {
        "slug": "walking",
        "name": "Walking",
        "body_region": W,
        "kind": K.AEROBIC,
        "summary": "Easy walking on level ground to keep blood flowing to irritated nerves and tissues.",
        "instructions": "Wear comfortable, supportive shoes.\nWalk at a pace where you could still chat.\n"
        "Keep the first walks short and add a couple of minutes every few days if it feels fine.",
        "what_to_feel": "Warm and a little loosened up; mild aching that settles within an hour is fine.",
        "cautions": STOP_NERVE,
        "difficulty": 1,
        "sets": 1,
        "reps": 1,
        "duration_minutes": 10,
        "times_per_day": 2,
        "side": "none",
    },
    {
        "slug": "knee-to-chest",
        "name": "Knee to chest",
        "body_region": B,
        "kind": K.STRETCH,
        "summary": "Lying on your back, bring one knee towards your chest to ease the lower spine.",
        "instructions": "Lie on your back on a firm surface with both knees bent.\n"
        "Hold behind one thigh and draw that knee gently towards your chest.\n"
        "Keep the other foot on the floor and breathe slowly.\nLower the leg and repeat with the other one.",
        "what_to_feel": "A gentle stretch across the lower back and buttock.",
        "cautions": STOP_NERVE,
        "sets": 1,
        "reps": 5,
        "hold_seconds": 20,
        "times_per_day": 2,
        "side": "alternating",
    },
    {
        "slug": "figure-four-stretch",
        "name": "Figure four stretch",
        "body_region": H,
        "kind": K.STRETCH,
        "summary": "A lying stretch for the buttock muscles and the piriformis.",
        "instructions": "Lie on your back with both knees bent.\n"
        "Rest one ankle across the opposite thigh, just above the knee.\n"
        "Hold behind the supporting thigh and ease it towards you until you feel the stretch.\nSwap legs.",
        "what_to_feel": "A stretch deep in the buttock of the crossed leg.",
        "cautions": "Sharp pain in the hip or groin, or pain travelling down the leg.",
        "sets": 1,
        "reps": 3,
        "hold_seconds": 30,
        "times_per_day": 2,
        "side": "both",
    },
    {
        "slug": "childs-pose",
        "name": "Child's pose",
        "body_region": B,
        "kind": K.STRETCH,
        "summary": "A resting yoga position that lets the back muscles lengthen.",
        "instructions": "Kneel with your knees a little apart and sit your hips back towards your heels.\n"
        "Lower your chest between your thighs and reach your arms forward on the floor.\n"
        "Let your back relax and breathe slowly.",
        "what_to_feel": "A soft stretch along the back and sides.",
        "cautions": "Knee pain, or leg pain that increases in this position.",
        "equipment": "A mat or folded towel under the knees",
        "sets": 1,
        "reps": 3,
        "hold_seconds": 30,
        "times_per_day": 1,
        "side": "none",
    },
    {
        "slug": "seated-piriformis-stretch",
        "name": "Seated piriformis stretch",
        "body_region": H,
        "kind": K.STRETCH,
        "summary": "A chair stretch for the piriformis, the muscle that sits close to the sciatic nerve.",
        "instructions": "Sit tall on a firm chair.\nRest one ankle on the opposite knee.\n"
        "Lean forward from the hips, keeping the back long, and press lightly on the bent knee.\nSwap sides.",
        "what_to_feel": "A stretch in the buttock of the crossed leg.",
        "cautions": STOP_NERVE,
        "equipment": "A firm chair",
        "sets": 1,
        "reps": 3,
        "hold_seconds": 30,
        "times_per_day": 2,
        "side": "both",
    },
    {
        "slug": "pelvic-tilts",
        "name": "Pelvic tilts",
        "body_region": C,
        "kind": K.MOBILITY,
        "summary": "Small rocking movements of the pelvis that wake up the deep tummy muscles.",
        "instructions": "Lie on your back with knees bent and feet flat.\n"
        "Tighten your tummy and flatten your lower back into the floor.\n"
        "Then gently arch it a little the other way.\nMove slowly and keep the movement small.",
        "what_to_feel": "The tummy muscles working and the lower back moving gently.",
        "cautions": "Pain that builds with each repetition.",
        "sets": 2,
        "reps": 10,
        "hold_seconds": 5,
        "times_per_day": 2,
        "side": "none",
    },
    {
        "slug": "hamstring-stretch",
        "name": "Hamstring stretch",
        "body_region": L,
        "kind": K.STRETCH,
        "summary": "A lying stretch for the back of the thigh, using a towel.",
        "instructions": "Lie on your back with one knee bent.\nLoop a towel around the other foot.\n"
        "Raise that leg, keeping the knee nearly straight, until you feel a stretch.\nSwap legs.",
        "what_to_feel": "A stretch at the back of the thigh, not behind the knee or in the calf.",
        "cautions": "Tingling or burning in the foot, or pain travelling down the leg: lower the leg.",
        "equipment": "A towel or belt",
        "sets": 1,
        "reps": 3,
        "hold_seconds": 30,
        "times_per_day": 2,
        "side": "both",
    },
    {
        "slug": "hip-flexor-stretch",
        "name": "Hip flexor stretch",
        "body_region": H,
        "kind": K.STRETCH,
        "summary": "A half-kneeling stretch for the front of the hip.",
        "instructions": "Kneel on one knee with the other foot flat in front of you.\n"
        "Tuck your tailbone under and shift your weight slowly forward.\nKeep your back upright. Swap sides.",
        "what_to_feel": "A stretch at the front of the hip of the kneeling leg.",
        "cautions": "Pain in the lower back: tuck the tailbone more or stop.",
        "equipment": "A cushion under the knee",
        "sets": 1,
        "reps": 3,
        "hold_seconds": 30,
        "times_per_day": 1,
        "side": "both",
    },
    {
        "slug": "swimming",
        "name": "Swimming or water walking",
        "body_region": W,
        "kind": K.AEROBIC,
        "summary": "Gentle exercise in water, which carries your weight and spares the spine from jolts.",
        "instructions": "Start with walking in waist-deep water or an easy stroke such as backstroke.\n"
        "Rest at the side whenever you need to.\nAdd a few minutes each week if you feel fine the next day.",
        "what_to_feel": "Pleasantly tired muscles without more back or leg pain the next day.",
        "cautions": "Strokes that make you arch your back hard, such as breaststroke with the head up, if they hurt.",
        "difficulty": 2,
        "sets": 1,
        "reps": 1,
        "duration_minutes": 20,
        "days_per_week": 2,
        "side": "none",
    },
    {
        "slug": "bridge",
        "name": "Bridge",
        "body_region": C,
        "kind": K.STRENGTHENING,
        "summary": "Lift the hips from lying to strengthen the buttocks and the muscles that support the back.",
        "instructions": "Lie on your back with knees bent and feet hip-width apart.\n"
        "Tighten your tummy, then push through your heels to lift your hips.\n"
        "Hold, then lower slowly one segment of the spine at a time.",
        "what_to_feel": "The buttocks and the backs of the thighs working.",
        "cautions": "Pain in the lower back: lift less high.",
        "difficulty": 2,
        "sets": 2,
        "reps": 10,
        "hold_seconds": 3,
        "rest_seconds": 30,
        "times_per_day": 1,
        "days_per_week": 5,
        "side": "none",
    },
    {
        "slug": "bird-dog",
        "name": "Bird dog",
        "body_region": C,
        "kind": K.STRENGTHENING,
        "summary": "On hands and knees, reach the opposite arm and leg to train back control.",
        "instructions": "Kneel on all fours with hands under shoulders and knees under hips.\n"
        "Keep the back level and reach one arm forward and the opposite leg back.\n"
        "Hold, come back, and switch sides.",
        "what_to_feel": "The tummy and back muscles working to keep you steady.",
        "cautions": "Pain in the back or wobbling you cannot control: make the reach smaller.",
        "difficulty": 2,
        "sets": 2,
        "reps": 8,
        "hold_seconds": 5,
        "rest_seconds": 30,
        "times_per_day": 1,
        "days_per_week": 5,
        "side": "alternating",
    },
    {
        "slug": "side-lying-rest-position",
        "name": "Side-lying rest position",
        "body_region": B,
        "kind": K.EDUCATION,
        "summary": "A resting position that often eases leg pain when lying flat makes it worse.",
        "instructions": "Lie on your side with your knees bent towards your chest.\n"
        "Put a pillow between your knees so the top leg does not drop.\nStay as long as it is comfortable.",
        "what_to_feel": "Less pressure in the back and legs.",
        "cautions": "Numbness around the bottom or groin, or problems with bladder or bowel: seek urgent care.",
        "equipment": "A pillow",
        "sets": 1,
        "reps": 1,
        "duration_minutes": 10,
        "side": "none",
    },
]

TEMPLATES = [
    {
        "slug": "lbp-both-legs-gentle-start",
        "name": "Low back pain down both legs: gentle start",
        "condition": "Lower back pain radiating down both legs (sciatica, lumbar radiculopathy)",
        "description": "For the first weeks of a flare-up: calm the nerves with gentle movement, then stretch.",
        "default_goals": "Walk 20 minutes without the leg pain getting worse. Sleep through the night.",
        "phases": [
            (
                "Weeks 1–2: gentle mobility",
                2,
                "Little and often. Some discomfort is fine; pain spreading further down the legs is not.",
                [
                    ("walking", {}),
                    ("pelvic-tilts", {}),
                    ("knee-to-chest", {}),
                    ("childs-pose", {}),
                    ("side-lying-rest-position", {"note": "Use it whenever lying flat makes the legs worse."}),
                ],
            ),
            (
                "Weeks 3–6: stretching and strengthening",
                4,
                "Add the stretches that take tension off the nerves, and start building support.",
                [
                    ("walking", {"duration_minutes": 20}),
                    ("hamstring-stretch", {}),
                    ("hip-flexor-stretch", {}),
                    ("figure-four-stretch", {}),
                    ("seated-piriformis-stretch", {}),
                    ("bridge", {}),
                ],
            ),
        ],
    },
    {
        "slug": "lbp-both-legs-back-to-activity",
        "name": "Low back pain down both legs: back to activity",
        "condition": "Lower back pain radiating down both legs, once the flare-up has settled",
        "description": "For patients past the acute phase who want to rebuild fitness without jarring the spine.",
        "default_goals": "Return to swimming twice a week and walking 30 minutes a day.",
        "phases": [
            (
                "Weeks 1–2: settle and move",
                2,
                "Keep to the gentle exercises; no jogging, jumping or heavy lifting yet.",
                [
                    ("walking", {"duration_minutes": 15}),
                    ("pelvic-tilts", {}),
                    ("seated-piriformis-stretch", {}),
                    ("hamstring-stretch", {}),
                ],
            ),
            (
                "Weeks 3–4: build support",
                2,
                "",
                [
                    ("walking", {"duration_minutes": 20}),
                    ("bridge", {}),
                    ("bird-dog", {}),
                    ("hip-flexor-stretch", {}),
                ],
            ),
            (
                "Weeks 5–8: condition",
                4,
                "Add time in the water as long as the legs stay calm the next day.",
                [
                    ("swimming", {}),
                    ("walking", {"duration_minutes": 30, "times_per_day": 1}),
                    ("bridge", {"sets": 3, "reps": 12}),
                    ("bird-dog", {"sets": 3}),
                ],
            ),
        ],
    },
]


@transaction.atomic
def seed(demo: dict) -> None:
    exercises = {}
    for fields in EXERCISES:
        fields = dict(fields)
        slug = fields.pop("slug")
        # Created once: a later change goes through review (programs.exercise_review), and seeding again keeps it.
        exercises[slug], _ = Exercise.objects.get_or_create(slug=slug, defaults=fields)
        if slug in illustrations.POSES and not exercises[slug].images.exists():
            ExerciseImage.objects.create(
                exercise=exercises[slug],
                image=ContentFile(illustrations.draw(slug), name=f"{slug}.png"),
                alt_text=illustrations.alt_text(slug),
                approved_at=timezone.now(),  # drawn by us to match the approved steps
            )
    demo["exercises"] = exercises
    demo["templates"] = {}
    for spec in TEMPLATES:
        spec = dict(spec)
        phases = spec.pop("phases")
        template, created = ProgramTemplate.objects.get_or_create(slug=spec.pop("slug"), defaults=spec)
        demo["templates"][template.slug] = template
        if not created:
            continue  # a clinician may have edited it since; leave it alone
        for order, (title, weeks, note, items) in enumerate(phases, start=1):
            phase = TemplatePhase.objects.create(
                template=template, order=order, title=title, duration_weeks=weeks, note=note
            )
            for item_order, (slug, overrides) in enumerate(items, start=1):
                exercise = exercises[slug]
                item = TemplateItem(phase=phase, exercise=exercise, order=item_order, **exercise.dosage_dict())
                for name, value in overrides.items():
                    setattr(item, name, value)
                item.full_clean()
                item.save()
