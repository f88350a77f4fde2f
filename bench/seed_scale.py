"""Clinic-network-scale data for the benchmark (`bench/run`).

    bench/run --clinics 50 --patients 100000 --logs-per-patient 20   # calls Command() with reset=True

A management command kept out of the apps (benchmark data is not the portal's): `bench/run` and the tests call
it with `call_command(Command(), …)`.

Every row it adds hangs off an address at @scale.example (clinics have a `scale-` slug), so `--reset`
removes exactly what an earlier run added and nothing else. A fixed random seed makes the same sizes give
the same data. One `seed_*` function per model family; each takes the shared `Scale` context. To add a
model family (programs, phases, items, session logs), write a `seed_…` function, call it from
`Command.handle`, and add its rows to `reset` in dependency order.
"""

import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from patients.models import Alert, CheckIn, CheckInSchedule, ExerciseLog, SessionLog
from patients.pathway import DEFAULT_PATHWAY
from patients.questionnaires import Questionnaire
from patients.services import score_answers
from portal import roles
from portal.models import AuditEvent, Clinic, Patient
from portal.outbox.models import OutboundEmail
from programs.models import Exercise, Program, ProgramChange, ProgramItem, ProgramPhase, ProgramTemplate

DOMAIN = "scale.example"
CLINIC_SLUG_PREFIX = "scale-"
BATCH = 5_000
SEED = 20_260_101
PHYSIOS_PER_CLINIC = 4
# The benchmark logs in as these two: the patient has a year of history, the physio is their physio.
BENCH_PATIENT_EMAIL = f"patient.year@{DOMAIN}"
BENCH_PHYSIO_EMAIL = f"physio.001.1@{DOMAIN}"

FIRST_NAMES = ["Sam", "Jordan", "Alex", "Priya", "Tom", "Hannah", "Eve", "Omar", "Grace", "Liam", "Aisha", "Noah"]
LAST_NAMES = ["Taylor", "Evans", "Shah", "Okafor", "Lewis", "Carter", "Morgan", "Khan", "Jones", "Smith", "Patel"]
PSFS_ACTIVITIES = ["Putting on socks", "Lifting a child", "Gardening", "Sitting at work", "Driving", "Running"]
ALERT_SHAPES = [
    # kind, severity, share of alerts
    (Alert.Kind.NO_SESSION, Alert.Severity.LOW, 45),
    (Alert.Kind.PAIN_HIGH, Alert.Severity.HIGH, 25),
    (Alert.Kind.PAIN_RISE, Alert.Severity.HIGH, 15),
    (Alert.Kind.ODI_WORSE, Alert.Severity.HIGH, 10),
    (Alert.Kind.RED_FLAG, Alert.Severity.CRITICAL, 5),
]


@dataclass
class SeededPatient:
    pk: int
    clinic_id: int
    started_on: date
    # Baseline severity 0..1: sets the first ODI and how far it falls during treatment.
    severity: float


@dataclass
class Scale:
    rng: random.Random
    today: date
    password: str  # one hash for every scale login, computed once
    clinics: list[Clinic] = field(default_factory=list)
    physios: dict[int, list[int]] = field(default_factory=dict)  # clinic pk -> physio user pks
    patients: list[SeededPatient] = field(default_factory=list)
    programs: dict[int, tuple[int, int]] = field(default_factory=dict)  # patient pk -> (program pk, phase pk)


def batched(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk(model, rows: Iterator, size: int = BATCH) -> int:
    """Insert rows from a generator in batches, so 100k patients never sit in memory as objects at once."""
    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            model.objects.bulk_create(batch)
            count, batch = count + len(batch), []
    if batch:
        model.objects.bulk_create(batch)
        count += len(batch)
    return count


@contextmanager
def historical_dates(*model_fields: tuple[type, str]):
    """Let bulk_create keep the dates we give instead of `auto_now_add` stamping them all with now."""
    saved = []
    for model, name in model_fields:
        model_field = model._meta.get_field(name)
        saved.append((model_field, model_field.auto_now_add))
        model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, value in saved:
            model_field.auto_now_add = value


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hour, minute)))


# --- Model families ---------------------------------------------------------------------------------


def seed_clinics(scale: Scale, count: int) -> int:
    clinics = [
        Clinic(
            name=f"Scale Clinic {number:03d}",
            slug=f"{CLINIC_SLUG_PREFIX}{number:03d}",
            email=f"clinic.{number:03d}@{DOMAIN}",
            phone=f"020 7946 {number:04d}",
            address=f"{number} High Street",
        )
        for number in range(1, count + 1)
    ]
    scale.clinics = Clinic.objects.bulk_create(clinics)
    return len(clinics)


def seed_staff(scale: Scale, per_clinic: int = PHYSIOS_PER_CLINIC) -> int:
    User = get_user_model()
    users = []
    for number, clinic in enumerate(scale.clinics, start=1):
        for index in range(1, per_clinic + 1):
            users.append(
                User(
                    email=f"physio.{number:03d}.{index}@{DOMAIN}",
                    first_name=scale.rng.choice(FIRST_NAMES),
                    last_name=scale.rng.choice(LAST_NAMES),
                    is_staff=True,
                    clinic=clinic,
                    password=scale.password,
                )
            )
    users = User.objects.bulk_create(users)
    group = Group.objects.get(name=roles.PHYSIOTHERAPIST)
    User.groups.through.objects.bulk_create([User.groups.through(user_id=user.pk, group_id=group.pk) for user in users])
    for user in users:
        scale.physios.setdefault(user.clinic_id, []).append(user.pk)
    return len(users)


def seed_patients(scale: Scale, count: int) -> int:
    """Patients spread unevenly over clinics (a few big ones), started over the last year, a third discharged."""
    User = get_user_model()
    rng = scale.rng
    weights = [1 / (rank**0.8) for rank in range(1, len(scale.clinics) + 1)]
    for start in range(0, count, BATCH):
        numbers = range(start, min(start + BATCH, count))
        users, shapes = [], []
        for number in numbers:
            bench = number == 0
            clinic = scale.clinics[0] if bench else rng.choices(scale.clinics, weights)[0]
            started_on = scale.today - timedelta(days=365 if bench else rng.randint(0, 364))
            users.append(
                User(
                    email=BENCH_PATIENT_EMAIL if bench else f"patient.{number:06d}@{DOMAIN}",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    password=scale.password,
                    date_joined=at(started_on, 9),
                )
            )
            shapes.append((clinic, started_on, bench))
        users = User.objects.bulk_create(users)
        patients = []
        for user, (clinic, started_on, bench) in zip(users, shapes, strict=True):
            physios = scale.physios[clinic.pk]
            discharged = not bench and (scale.today - started_on).days > 90 and rng.random() < 0.5
            patients.append(
                Patient(
                    user_id=user.pk,
                    clinic=clinic,
                    primary_physio_id=physios[0] if bench else rng.choice(physios),
                    date_of_birth=date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)),
                    reminder_time=clock(rng.choice([7, 8, 12, 17, 18, 19, 20]), rng.choice([0, 30])),
                    calendar_token=uuid.UUID(int=rng.getrandbits(128)),
                    created_at=at(started_on, 9),
                    archived_at=at(started_on + timedelta(days=rng.randint(42, 90)), 17) if discharged else None,
                )
            )
        with historical_dates((Patient, "created_at")):
            patients = Patient.objects.bulk_create(patients)
        scale.patients.extend(
            SeededPatient(p.pk, p.clinic_id, started_on, rng.random())
            for p, (_clinic, started_on, _bench) in zip(patients, shapes, strict=True)
        )
    return count


def seed_check_in_schedules(scale: Scale) -> int:
    def rows():
        for patient in scale.patients:
            for step in DEFAULT_PATHWAY:
                questionnaire, every_days, due_at_start = step.questionnaire, step.every_weeks * 7, step.first_week == 0
                next_due = None
                if due_at_start and every_days:
                    elapsed = (scale.today - patient.started_on).days
                    next_due = patient.started_on + timedelta(days=(elapsed // every_days + 1) * every_days)
                yield CheckInSchedule(
                    patient_id=patient.pk, questionnaire=questionnaire, every_days=every_days, next_due_on=next_due
                )

    return bulk(CheckInSchedule, rows())


def _odi_answers(rng: random.Random, level: float) -> dict:
    sections = [max(0, min(5, round(level * 5 + rng.uniform(-1, 1)))) for _ in range(10)]
    if rng.random() < 0.3:
        sections[7] = None  # the optional section, often skipped
    return {"sections": sections}


def _psfs_answers(rng: random.Random, level: float, activities: list[str]) -> dict:
    return {
        "activities": [
            {"name": name, "score": max(0, min(10, round((1 - level) * 10 + rng.uniform(-1.5, 1.5))))}
            for name in activities
        ]
    }


def seed_check_ins(scale: Scale, per_patient: int) -> int:
    """ODI weekly and PSFS fortnightly from the start, improving with noise; the bench patient has a full year."""
    rng = scale.rng

    def rows():
        for patient in scale.patients:
            days = (scale.today - patient.started_on).days
            limit = 10_000 if days >= 365 else per_patient
            activities = rng.sample(PSFS_ACTIVITIES, 3)
            made = 0
            for day in range(0, days, 7):  # up to yesterday: nothing in the future
                if made >= limit:
                    break
                # Most patients improve over ~12 weeks; the level falls from baseline severity towards a third of it.
                progress = min(1.0, day / 84)
                level = patient.severity * (1 - 0.66 * progress)
                kinds = [Questionnaire.ODI] + ([Questionnaire.PSFS] if day % 14 == 0 else [])
                for questionnaire in kinds[: limit - made]:
                    if questionnaire == Questionnaire.ODI:
                        answers = _odi_answers(rng, level)
                    else:
                        answers = _psfs_answers(rng, level, activities)
                    score = score_answers(questionnaire, answers)
                    made += 1
                    yield CheckIn(
                        patient_id=patient.pk,
                        questionnaire=questionnaire,
                        answers=answers,
                        score=score.value,
                        band=score.band,
                        red_flags=[],
                        token=uuid.UUID(int=rng.getrandbits(128)),
                        submitted_at=at(
                            patient.started_on + timedelta(days=day), rng.randint(7, 21), rng.randint(0, 59)
                        ),
                    )

    with historical_dates((CheckIn, "submitted_at")):
        return bulk(CheckIn, rows())


def seed_alerts(scale: Scale, share: float = 0.08) -> int:
    """About one patient in twelve has an alert; those older than a fortnight are mostly resolved."""
    rng = scale.rng
    kinds = [(kind, severity) for kind, severity, _ in ALERT_SHAPES]
    weights = [weight for *_, weight in ALERT_SHAPES]

    def rows():
        for patient in scale.patients:
            if rng.random() >= share:
                continue
            kind, severity = rng.choices(kinds, weights)[0]
            days = (scale.today - patient.started_on).days
            raised_on = patient.started_on + timedelta(days=rng.randint(0, max(0, days)))
            old = (scale.today - raised_on).days > 14
            physio = scale.physios[patient.clinic_id][0]
            resolved = at(raised_on + timedelta(days=2), 12) if old and rng.random() < 0.9 else None
            yield Alert(
                patient_id=patient.pk,
                kind=kind,
                severity=severity,
                message=f"{Alert.Kind(kind).label} (scale data).",
                level="emergency" if kind == Alert.Kind.RED_FLAG else "",
                flags=["saddle_numbness"] if kind == Alert.Kind.RED_FLAG else [],
                key=f"scale:{patient.pk}:{kind}",
                created_at=at(raised_on, 10),
                acknowledged_at=resolved,
                acknowledged_by_id=physio if resolved else None,
                resolved_at=resolved,
                resolved_by_id=physio if resolved else None,
            )

    with historical_dates((Alert, "created_at")):
        return bulk(Alert, rows())


SCALE_EXERCISES = [
    # slug suffix, name, hold seconds
    ("pelvic-tilt", "Pelvic tilt", 5),
    ("knee-to-chest", "Knee to chest stretch", 20),
    ("bridge", "Bridge", 3),
    ("cat-camel", "Cat and camel", 0),
]


def seed_programs(scale: Scale) -> int:
    """One program per patient from a scale template: one phase of four exercises.

    Discharged (archived) patients' programs are completed; the rest are active. The bench patient's
    phase spans their whole year so every logged day falls inside it.
    """
    exercises = Exercise.objects.bulk_create(
        Exercise(
            name=f"Scale {name}",
            slug=f"{CLINIC_SLUG_PREFIX}{slug}",
            body_region=Exercise.BodyRegion.LOWER_BACK,
            kind=Exercise.Kind.MOBILITY,
            summary=f"{name} (scale data).",
            instructions="Lie on your back.\nMove slowly.\nBreathe out as you move.",
            hold_seconds=hold,
        )
        for slug, name, hold in SCALE_EXERCISES
    )
    template = ProgramTemplate.objects.create(name="Scale low back pain", slug=f"{CLINIC_SLUG_PREFIX}low-back")
    archived = set(
        Patient.objects.filter(pk__in=[p.pk for p in scale.patients], archived_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    physio_of = dict(Patient.objects.filter(user__email__endswith=f"@{DOMAIN}").values_list("pk", "primary_physio"))
    count = 0
    for patients in batched(scale.patients):
        programs = Program.objects.bulk_create(
            Program(
                patient_id=p.pk,
                physio_id=physio_of[p.pk],
                template=template,
                title="Low back pain: getting moving",
                start_date=p.started_on,
                status=Program.Status.COMPLETED if p.pk in archived else Program.Status.ACTIVE,
            )
            for p in patients
        )
        phases = ProgramPhase.objects.bulk_create(
            ProgramPhase(
                program_id=program.pk,
                order=1,
                title="Weeks 1–12",
                start_date=p.started_on,
                end_date=max(p.started_on + timedelta(days=83), scale.today + timedelta(days=28)),
            )
            for program, p in zip(programs, patients, strict=True)
        )
        ProgramItem.objects.bulk_create(
            ProgramItem(
                program_id=phase.program_id,
                phase_id=phase.pk,
                exercise=exercise,
                order=order,
                sets=2,
                reps=10,
                hold_seconds=exercise.hold_seconds,
                days_per_week=7,
            )
            for phase in phases
            for order, exercise in enumerate(exercises, start=1)
        )
        for program, phase, p in zip(programs, phases, patients, strict=True):
            scale.programs[p.pk] = (program.pk, phase.pk)
        count += len(programs)
    # One statement instead of 100k updates: each program's current phase is its only phase.
    Program.objects.filter(template=template).update(
        current_phase=Subquery(ProgramPhase.objects.filter(program=OuterRef("pk")).values("pk")[:1])
    )
    return count


def seed_session_logs(scale: Scale, per_patient: int) -> int:
    """`per_patient` sessions on distinct past days; the bench patient logs daily for a year, with exercise logs.

    Exercise logs only for the bench patient: the pages the benchmark measures read them for that patient,
    and 100k × 20 × 4 rows would make seeding slow without measuring anything more.
    """
    rng = scale.rng
    bench_pk = Patient.objects.get(user__email=BENCH_PATIENT_EMAIL).pk
    items = list(
        ProgramItem.objects.filter(phase_id=scale.programs[bench_pk][1]).values_list("pk", "hold_seconds", "exercise")
    )

    def rows():
        for patient in scale.patients:
            program_id, phase_id = scale.programs[patient.pk]
            elapsed = (scale.today - patient.started_on).days
            if patient.pk == bench_pk:
                days = range(0, elapsed)
            else:
                days = sorted(rng.sample(range(elapsed), min(per_patient, elapsed))) if elapsed else []
            for day in days:
                progress = min(1.0, day / 84)
                pain = max(0, min(10, round(patient.severity * 8 * (1 - 0.5 * progress) + rng.uniform(-1, 1))))
                performed_on = patient.started_on + timedelta(days=day)
                yield SessionLog(
                    patient_id=patient.pk,
                    program_id=program_id,
                    phase_id=phase_id,
                    performed_on=performed_on,
                    logged_at=at(performed_on, rng.randint(7, 21), rng.randint(0, 59)),
                    pain_before=pain,
                    pain_after=max(0, pain - rng.randint(0, 2)),
                    difficulty=SessionLog.Difficulty.ABOUT_RIGHT,
                    token=uuid.UUID(int=rng.getrandbits(128)),
                )

    with historical_dates((SessionLog, "logged_at")):
        count = bulk(SessionLog, rows())
    sessions = SessionLog.objects.filter(patient_id=bench_pk).values_list("pk", flat=True)
    bulk(
        ExerciseLog,
        (
            ExerciseLog(
                session_id=session,
                item_id=item,
                sets_done=2,
                reps_done=10,
                side="both",
                prescribed={"sets": 2, "reps": 10, "hold_seconds": hold, "days_per_week": 7, "side": "both"},
            )
            for session in sessions.iterator()
            for item, hold, _exercise in items
        ),
    )
    return count


def seed_outbox(scale: Scale, per_patient: int = 3) -> int:
    """Sent reminder emails, a few per patient over their time in care (the outbox admin's bulk)."""
    emails = dict(Patient.objects.filter(user__email__endswith=f"@{DOMAIN}").values_list("pk", "user__email"))

    def rows():
        for patient in scale.patients:
            for index in range(per_patient):
                day = patient.started_on + timedelta(days=7 * index)
                sent = at(min(day, scale.today), 8)
                yield OutboundEmail(
                    key=f"scale:reminder:{patient.pk}:{index}",
                    kind="reminder",
                    recipient=emails[patient.pk],
                    clinic_id=patient.clinic_id,
                    context={"patient": patient.pk},
                    status=OutboundEmail.Status.SENT,
                    attempts=1,
                    next_attempt_at=sent,
                    sent_at=sent,
                    created_at=sent,
                )

    return bulk(OutboundEmail, rows())


# --- Reset ---------------------------------------------------------------------------------------------


def reset() -> dict[str, int]:
    """Delete scale rows only, children first (most foreign keys PROTECT)."""
    User = get_user_model()
    scale_users = User.objects.filter(email__endswith=f"@{DOMAIN}")
    scale_patients = Patient.objects.filter(user__email__endswith=f"@{DOMAIN}")
    scale_sessions = SessionLog.objects.filter(patient__in=scale_patients)
    scale_programs = Program.objects.filter(patient__in=scale_patients)
    steps = [
        ("exercise logs", ExerciseLog.objects.filter(session__in=scale_sessions)),
        ("session logs", scale_sessions),
        ("program changes", ProgramChange.objects.filter(program__in=scale_programs)),
        ("program items", ProgramItem.objects.filter(program__in=scale_programs)),
        # Programs point at their current phase and phases at their program: unhook first (see below).
        ("program phases", ProgramPhase.objects.filter(program__in=scale_programs)),
        ("programs", scale_programs),
        ("program templates", ProgramTemplate.objects.filter(slug__startswith=CLINIC_SLUG_PREFIX)),
        ("exercises", Exercise.objects.filter(slug__startswith=CLINIC_SLUG_PREFIX)),
        ("alerts", Alert.objects.filter(patient__in=scale_patients)),
        (
            "outbox emails",
            OutboundEmail.objects.filter(
                Q(recipient__endswith=f"@{DOMAIN}") | Q(clinic__slug__startswith=CLINIC_SLUG_PREFIX)
            ),
        ),
        ("check-ins", CheckIn.objects.filter(patient__in=scale_patients)),
        ("check-in schedules", CheckInSchedule.objects.filter(patient__in=scale_patients)),
        ("audit events", AuditEvent.objects.filter(actor__in=scale_users)),
        ("patients", scale_patients),
        ("role memberships", User.groups.through.objects.filter(user__in=scale_users)),
        ("users", scale_users),
        ("clinics", Clinic.objects.filter(slug__startswith=CLINIC_SLUG_PREFIX)),
    ]
    scale_programs.update(current_phase=None)
    deleted = {}
    for label, queryset in steps:
        # A raw DELETE: these rows have no signals to run, and the collector would load 100k objects.
        deleted[label] = queryset._raw_delete(queryset.db)
    return deleted


class Command(BaseCommand):
    help = "Add clinic-network-scale data (addresses at @scale.example) for the benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--clinics", type=int, default=50)
        parser.add_argument("--patients", type=int, default=100_000)
        parser.add_argument("--logs-per-patient", type=int, default=20, help="Session logs per patient.")
        parser.add_argument("--check-ins-per-patient", type=int, default=8)
        parser.add_argument("--reset", action="store_true", help="Delete earlier scale data first.")

    def handle(self, *args, **options):
        if options["clinics"] < 1 or options["patients"] < 1:
            raise CommandError("Give at least one clinic and one patient.")
        if options["reset"]:
            with transaction.atomic():
                for label, count in reset().items():
                    self.stdout.write(f"deleted {count} {label}")
        elif get_user_model().objects.filter(email__endswith=f"@{DOMAIN}").exists():
            raise CommandError(f"Scale data (@{DOMAIN}) is already there: pass --reset to replace it.")
        scale = Scale(rng=random.Random(SEED), today=timezone.localdate(), password=make_password("scale-pass"))
        steps = [
            ("clinics", lambda: seed_clinics(scale, options["clinics"])),
            ("physios", lambda: seed_staff(scale)),
            ("patients", lambda: seed_patients(scale, options["patients"])),
            ("check-in schedules", lambda: seed_check_in_schedules(scale)),
            ("check-ins", lambda: seed_check_ins(scale, options["check_ins_per_patient"])),
            ("alerts", lambda: seed_alerts(scale)),
            ("programs", lambda: seed_programs(scale)),
            ("outbox emails", lambda: seed_outbox(scale)),
            ("session logs", lambda: seed_session_logs(scale, options["logs_per_patient"])),
        ]
        started = time.monotonic()
        with transaction.atomic():
            for label, step in steps:
                step_started = time.monotonic()
                count = step()
                self.stdout.write(f"{label}: {count} ({time.monotonic() - step_started:.1f} s)")
        self.stdout.write(self.style.SUCCESS(f"seeded in {time.monotonic() - started:.1f} s"))
