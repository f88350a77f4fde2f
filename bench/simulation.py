"""The clinic simulation: twelve weeks of one clinic on the real services and the real beat schedule.

A controllable clock (time-machine) moves an hour at a time (two in CI). At each tick, patients whose local
hour has come act as their behaviour says (log a session, answer the check-ins their page shows due, report a
red flag, ask for a new password), the physio acts on schedule (resumes a held routine, pauses and resumes a programme,
archives a patient), then every beat entry of `CELERY_BEAT_SCHEDULE` that is due runs in-process, by name,
and its emails go out through the outbox to Django's in-memory mailbox. After each tick the invariants are
checked against what just happened; at the end, against the whole run:

- every check-in due during a patient's day produced exactly one email, and the patient's page showed it
  due at the moment the email was queued (their local day);
- no reminder went to a paused, held, archived or opted-out patient;
- every pain crossing, worse Oswestry, STarT Back high risk, GROC at or below the threshold, red flag and
  quiet spell produced exactly one alert, and nothing else did;
- every email kind in the registry was sent by production code at least once; no email was sent twice.

By hand, at full size, on a database of its own (it creates and migrates it):

    DATABASE_URL=sqlite:////tmp/simulation.sqlite3 .venv/bin/python -m bench.simulation --patients 30

CI runs a smaller cohort: `bench/tests/test_clinic_simulation.py`.
"""

import argparse
import datetime
import os
import sys
import uuid
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field

EVENING = (18, 19)  # local hours a patient exercises and answers check-ins, whichever the clock lands on
MORNING = (10, 11)
BEHAVIOURS = [
    "adherent",
    "improving",
    "worsening",
    "lapsing",
    "red_flag",
    "sydney",
    "opted_out",
    "paused",
    "archived",
    "forgetful",
]
PSFS = ["Putting on socks", "Walking to the shop", "Sitting through a film"]


@dataclass
class Result:
    weeks: list[dict] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    kinds_sent: Counter = field(default_factory=Counter)
    alerts: Counter = field(default_factory=Counter)

    def table(self) -> str:
        kinds = sorted({kind for week in self.weeks for kind in week["emails"]})
        head = ["week", "sessions", "check-ins", "alerts", *kinds]
        rows = [
            [week["week"], week["sessions"], week["check_ins"], week["alerts"], *(week["emails"][k] for k in kinds)]
            for week in self.weeks
        ]
        widths = [max(len(str(cell)) for cell in column) for column in zip(head, *rows, strict=True)]
        lines = [
            " | ".join(str(cell).rjust(width) for cell, width in zip(row, widths, strict=True)) for row in [head, *rows]
        ]
        lines.insert(1, "-+-".join("-" * width for width in widths))
        return "\n".join(lines)


class Simulation:
    def __init__(self, *, patients: int, weeks: int, start: datetime.datetime, tick_hours: int = 1):
        from django.conf import settings

        from portal.celery import app

        self.size, self.weeks, self.start = patients, weeks, start
        self.tick_size = datetime.timedelta(hours=tick_hours)
        self.done: set[tuple] = set()  # (who, what, day): each daily action once, whatever the tick
        self.result = Result()
        self.app = app
        app.loader.import_default_modules()  # the apps' tasks modules, as a worker imports them at start-up
        self.beat = {
            name: (entry["task"], self._schedule(entry["schedule"]))
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        self.last_run = dict.fromkeys(self.beat, start)
        self.expected_check_in_emails: set[str] = set()
        self.expected_alerts: Counter = Counter()
        self.people: dict[int, str] = {}  # patient pk -> behaviour
        self.odi: dict[int, float] = {}

    def _schedule(self, schedule):
        from celery.schedules import maybe_schedule

        if isinstance(schedule, int | float):
            schedule = datetime.timedelta(seconds=schedule)
        return maybe_schedule(schedule, app=self.app)

    # --- the clinic on day one ---------------------------------------------------------------------------

    def setup(self) -> None:
        from django.contrib.auth.models import Group
        from django.test import Client

        from articles import services as articles
        from articles.models import Article
        from patients import services
        from portal import roles
        from portal.models import Clinic, ClinicianProfile, User
        from programs.models import Exercise, ProgramTemplate, TemplateItem, TemplatePhase
        from programs.services import assign_program

        self.clinic = Clinic.objects.create(name="Simulated Clinic", slug="simulated", alert_inbox="urgent@sim.example")

        def staff(email, role):
            user = User.objects.create_user(email=email, password="sim-pass", is_staff=True, clinic=self.clinic)
            user.groups.add(Group.objects.get(name=role))
            if role == roles.PHYSIOTHERAPIST:  # a registered clinician: the article's reviewer
                ClinicianProfile.objects.create(
                    user=user, profession="physiotherapist", registration_body="HCPC", registration_number="PH000001"
                )
            return user

        self.admin = staff("admin@sim.example", roles.CLINIC_ADMIN)
        self.physio = staff("physio@sim.example", roles.PHYSIOTHERAPIST)
        self.editor = staff("editor@sim.example", roles.CONTENT_EDITOR)
        # The second physio joins through the admin, as a clinic admin adds staff (staff_welcome), and sets up
        # two-factor authentication on their first visit (two_factor_code).
        admin = Client()
        admin.force_login(self.admin)
        password = "Sim-long-passw0rd!"
        form = {"email": "physio2@sim.example", "password1": password, "password2": password, "usable_password": "true"}
        admin.post("/admin/portal/user/add/", form)
        self.physio2 = User.objects.get(email="physio2@sim.example")
        self.physio2.groups.add(Group.objects.get(name=roles.PHYSIOTHERAPIST))
        first_visit = Client()
        first_visit.force_login(self.physio2)
        first_visit.get("/accounts/two-factor/")

        template = ProgramTemplate.objects.create(name="Simulated low back pain", slug="sim-low-back")
        for order, (title, weeks, per_week) in enumerate([("Settle", 2, 7), ("Build", 10, 3)], start=1):
            phase = TemplatePhase.objects.create(template=template, order=order, title=title, duration_weeks=weeks)
            for number in range(3):
                exercise, _ = Exercise.objects.get_or_create(
                    slug=f"sim-exercise-{number}", defaults={"name": f"Exercise {number}", "summary": "s"}
                )
                TemplateItem.objects.create(phase=phase, exercise=exercise, order=number, days_per_week=per_week)
        # An article whose clinical review falls due in week 5 (article_review_due).
        article = articles.save_article(
            article=Article(title="Sciatica", slug="sim-sciatica", summary="s", body="Text."), user=self.editor
        )
        articles.mark_reviewed(
            article=article, user=self.physio, next_review_due=self.start.date() + datetime.timedelta(days=40)
        )

        for number in range(self.size):
            behaviour = BEHAVIOURS[number % len(BEHAVIOURS)]
            physio = self.physio if number % 2 == 0 else self.physio2
            patient = services.create_patient(
                clinic=self.clinic,
                primary_physio=physio,
                email=f"p{number}-{behaviour}@sim.example",
                first_name=behaviour.title(),
                last_name=str(number),
                timezone="Australia/Sydney" if behaviour == "sydney" else "Europe/London",
            )
            patient.user.set_password("sim-pass")  # they accepted the invitation
            patient.user.save()
            if behaviour == "opted_out":
                from portal.outbox.services import opt_out

                opt_out(email=patient.user.email, group="reminders")
            assign_program(patient=patient, physio=physio, template=template, start_date=self.start.date())
            self.people[patient.pk] = behaviour
            self.odi[patient.pk] = 40.0

    # --- one hour ------------------------------------------------------------------------------------------

    def tick(self, now: datetime.datetime, day: int) -> None:
        from portal.models import Patient

        for patient in Patient.objects.filter(pk__in=self.people).select_related("user", "clinic"):
            local = now.astimezone(zoneinfo.ZoneInfo(patient.timezone))
            self.act(patient, self.people[patient.pk], local, day)
        self.physio_acts(now, day)
        self.observe_due_check_ins(now)
        for name, (task, schedule) in self.beat.items():
            due, _next = schedule.is_due(self.last_run[name])
            if due:
                self.last_run[name] = now
                self.app.tasks[task].apply()
        self.check_after_tick(now)

    def once(self, *what) -> bool:
        """True the first time `what` comes up: the day's action has not been done yet."""
        if what in self.done:
            return False
        self.done.add(what)
        return True

    def act(self, patient, behaviour: str, local: datetime.datetime, day: int) -> None:
        from django.test import Client

        if patient.archived_at:
            return
        if local.hour in EVENING and self.once(patient.pk, "evening", local.date()):
            if self.logs_today(behaviour, day, patient):
                self.log_session(patient, behaviour, day, local.date())
            if behaviour != "lapsing":
                self.answer_check_ins(patient, behaviour, day, local.date())
        if behaviour == "forgetful" and day == 9 and local.hour in MORNING and self.once(patient.pk, "reset"):
            Client().post("/accounts/password_reset/", {"email": patient.user.email})

    def logs_today(self, behaviour: str, day: int, patient) -> bool:
        from programs.models import Program

        if not Program.objects.filter(patient=patient, status=Program.Status.ACTIVE).exists():
            return False
        if behaviour == "lapsing":
            return day < 14
        if behaviour == "forgetful":
            return day % 3 == 0
        if behaviour == "opted_out":
            return day % 2 == 0
        return True

    def log_session(self, patient, behaviour: str, day: int, on: datetime.date) -> None:
        from patients import services
        from patients.models import FollowUpRules

        program = patient.programs.get(status="active")
        items = list(program.items.current().filter(phase_id=program.current_phase_id))
        pain = {"worsening": min(9, 3 + day // 7), "improving": max(1, 6 - day // 10)}.get(behaviour, 3)
        flags = ["both_legs_numb"] if behaviour == "red_flag" and day == 17 else []
        before = patient.session_logs.count()
        services.log_session(
            patient=patient,
            program=program,
            performed_on=on,
            pain_before=pain,
            pain_after=pain,
            difficulty="about_right",
            note="",
            red_flags=flags,
            exercises=[{"item": i, "sets_done": i.sets, "reps_done": i.reps, "side": i.side} for i in items],
            token=uuid.uuid4(),
        )
        rules = FollowUpRules.for_clinic(patient.clinic_id)
        if flags:
            self.expected_alerts[(patient.pk, "red_flag")] += 1
        if pain >= rules.pain_critical_at:
            self.expected_alerts[(patient.pk, "pain_high")] += 1  # one per day: one session a day here
        elif before >= 3:
            baseline, _ids = services.pain_baseline(patient)
            if pain >= baseline + rules.pain_rise_points:
                self.expected_alerts[(patient.pk, "pain_rise")] += 1

    def answer_check_ins(self, patient, behaviour: str, day: int, today: datetime.date) -> None:
        from django.test import Client

        from patients import services
        from patients.models import FollowUpRules

        due = list(patient.check_in_schedules.due(today))
        if not due:
            return
        client = Client()
        client.force_login(patient.user)
        page = client.get("/my/check-in/").content.decode()
        rules = FollowUpRules.for_clinic(patient.clinic_id)
        for schedule in due:
            if schedule.get_questionnaire_display() not in page:
                self.result.violations.append(f"day {day}: {patient} due {schedule.questionnaire} not on the page")
            worse = behaviour == "worsening"
            answers = {
                "startback": {"agree": [worse] * 8 + [], "bothersomeness": "extremely" if worse else "slightly"},
                "odi": {"sections": [round(self.next_odi(patient.pk, worse) / 20)] * 10},
                "psfs": {"activities": [{"name": name, "score": 3 if worse else 6} for name in PSFS]},
                "groc": {"rating": -5 if worse else 3},
            }[schedule.questionnaire]
            check_in = services.submit_check_in(
                patient=patient,
                questionnaire=schedule.questionnaire,
                answers=answers,
                red_flags=[],
                token=uuid.uuid4(),
            )
            self.expect_outcome_alert(patient, check_in, rules)

    def next_odi(self, pk: int, worse: bool) -> float:
        self.odi[pk] = min(100.0, self.odi[pk] + 12) if worse else max(0.0, self.odi[pk] - 4)
        return self.odi[pk]

    def expect_outcome_alert(self, patient, check_in, rules) -> None:
        if check_in.questionnaire == "odi":
            scores = list(patient.check_ins.filter(questionnaire="odi").order_by("-submitted_at", "-pk")[:2])
            if len(scores) == 2 and scores[0].score - scores[1].score >= rules.odi_worse_points:
                self.expected_alerts[(patient.pk, "odi_worse")] += 1
        if check_in.questionnaire == "startback" and check_in.band == "high":
            self.expected_alerts[(patient.pk, "startback_high")] += 1
        if check_in.questionnaire == "groc" and check_in.score <= rules.groc_worse_at:
            self.expected_alerts[(patient.pk, "groc_worse")] += 1

    def physio_acts(self, now: datetime.datetime, day: int) -> None:
        from patients import services
        from portal.models import Patient
        from programs.services import pause_program, resume_program

        if now.hour not in MORNING or not self.once("physio", day):
            return
        for patient in Patient.objects.filter(pk__in=self.people, archived_at__isnull=True):
            behaviour = self.people[patient.pk]
            if behaviour == "red_flag" and day == 19:
                services.resume_routine(patient=patient, by=patient.primary_physio, note="Seen in clinic: settled.")
            if behaviour == "paused" and day == 28:
                pause_program(program=patient.programs.get(status="active"), actor=patient.primary_physio)
            if behaviour == "paused" and day == 42:
                resume_program(program=patient.programs.get(status="paused"), actor=patient.primary_physio)
            if behaviour == "archived" and day == 49:
                services.archive_patients(patients=Patient.objects.filter(pk=patient.pk), by=patient.primary_physio)

    # --- invariants --------------------------------------------------------------------------------------

    def observe_due_check_ins(self, now: datetime.datetime) -> None:
        """A check-in due during a patient's day (from the morning email, 09:00 local, to 18:00) is emailed once."""
        from patients.followups import MORNING as MORNING_EMAIL
        from patients.followups import _reachable_patients

        reachable = set(_reachable_patients("check_ins").filter(pk__in=self.people).values_list("pk", flat=True))
        from portal.models import Patient

        for patient in Patient.objects.filter(pk__in=reachable):
            local = now.astimezone(zoneinfo.ZoneInfo(patient.timezone))
            if not MORNING_EMAIL.hour <= local.hour <= 18:
                continue
            dates = [s.next_due_on for s in patient.check_in_schedules.due(local.date())]
            if dates:
                self.expected_check_in_emails.add(f"check_in_due:{patient.pk}:{max(dates).isoformat()}")

    def check_after_tick(self, now: datetime.datetime) -> None:
        from django.test import Client

        from patients.models import Alert
        from portal.models import OutboundEmail, Patient
        from portal.outbox.models import EmailOptOut

        since = now - datetime.timedelta(minutes=1)
        for row in OutboundEmail.objects.filter(kind="reminder", sent_at__gte=since):
            patient = Patient.objects.get(pk=row.context["patient_id"])
            paused = not patient.programs.filter(status="active").exists()
            held = Alert.objects.holding().filter(patient=patient).exists()
            opted_out = EmailOptOut.objects.filter(email=patient.user.email, group__in=["reminders", "all"]).exists()
            if paused or held or opted_out or patient.archived_at:
                self.result.violations.append(f"{now:%Y-%m-%d %H:%M}: reminder to {patient} (paused/held/out)")
        for row in OutboundEmail.objects.filter(kind="check_in_due", created_at__gte=since):
            patient = Patient.objects.select_related("user").get(pk=row.context["patient_id"])
            due_on = datetime.date.fromisoformat(row.context["due_on"])
            if due_on > patient.local_today():
                self.result.violations.append(f"{row.key}: emailed before the patient's day")
            if not patient.programs.filter(status__in=["active", "completed"]).exists() or patient.archived_at:
                self.result.violations.append(f"{row.key}: emailed while the routine is paused or the patient archived")
            # The page, rendered now as the patient would open it from the email, lists what the email asks.
            client = Client()
            client.force_login(patient.user)
            page = client.get("/my/check-in/").content.decode()
            for schedule in patient.check_in_schedules.filter(active=True, next_due_on=due_on):
                label = schedule.get_questionnaire_display()
                if f'Start<span class="visually-hidden"> {label}</span>' not in page:
                    self.result.violations.append(f"{row.key}: {label} emailed as due, not due on the page")

    def finish(self) -> None:
        from django.core import mail

        from patients.models import Alert
        from portal.models import OutboundEmail
        from portal.outbox.kinds import kind_names

        rows = OutboundEmail.objects.filter(kind="check_in_due")
        keys = Counter(rows.values_list("key", flat=True))
        for key in sorted(self.expected_check_in_emails - set(keys)):
            self.result.violations.append(f"{key}: due during the patient's day, never emailed")
        for key in sorted(set(keys) - self.expected_check_in_emails):
            self.result.violations.append(f"{key}: emailed, but never seen due in the patient's day")
        actual = Counter((pk, kind) for pk, kind in Alert.objects.values_list("patient_id", "kind"))
        quiet = Counter()
        for (pk, kind), count in actual.items():
            if kind == "no_session":
                quiet[self.people[pk]] += count
                continue
            if count != self.expected_alerts[(pk, kind)]:
                expected = self.expected_alerts[(pk, kind)]
                self.result.violations.append(f"{self.people[pk]} {pk}: {count} {kind} alert(s), expected {expected}")
        for (pk, kind), count in self.expected_alerts.items():
            if actual[(pk, kind)] == 0:
                self.result.violations.append(f"{self.people[pk]} {pk}: no {kind} alert, expected {count}")
        # Quiet spells: the lapsing patient goes quiet once (a low, then a high alert); adherent ones never.
        for behaviour in ("adherent", "improving", "sydney"):
            if quiet[behaviour]:
                self.result.violations.append(f"{behaviour}: {quiet[behaviour]} inactivity alert(s), expected none")
        lapsing = sum(1 for b in self.people.values() if b == "lapsing")
        if quiet["lapsing"] != 2 * lapsing:
            self.result.violations.append(f"lapsing: {quiet['lapsing']} inactivity alerts, expected {2 * lapsing}")
        sent = OutboundEmail.objects.filter(status="sent")
        self.result.kinds_sent = Counter(sent.values_list("kind", flat=True))
        for kind in sorted(set(kind_names()) - set(self.result.kinds_sent)):
            self.result.violations.append(f"no {kind} email was sent")
        ids = Counter(message.extra_headers.get("Message-ID") for message in mail.outbox)
        if len(mail.outbox) != sent.count() or any(count > 1 for count in ids.values()):
            self.result.violations.append(f"{len(mail.outbox)} messages for {sent.count()} sent rows: a duplicate")
        self.result.alerts = Counter(Alert.objects.values_list("kind", flat=True))

    def week_row(self, week: int, since: datetime.datetime) -> None:
        from patients.models import Alert, CheckIn, SessionLog
        from portal.models import OutboundEmail

        sent = OutboundEmail.objects.filter(status="sent", sent_at__gte=since)
        self.result.weeks.append(
            {
                "week": week,
                "sessions": SessionLog.objects.filter(logged_at__gte=since).count(),
                "check_ins": CheckIn.objects.filter(submitted_at__gte=since).count(),
                "alerts": Alert.objects.filter(created_at__gte=since).count(),
                "emails": defaultdict(int, Counter(sent.values_list("kind", flat=True))),
            }
        )

    def run(self) -> Result:
        import time_machine

        with time_machine.travel(self.start, tick=False) as clock:
            self.setup()
            now, week_start = self.start, self.start
            ticks_a_week = datetime.timedelta(weeks=1) // self.tick_size
            for number in range(self.weeks * ticks_a_week):
                now = self.start + number * self.tick_size
                clock.move_to(now)
                day = (now - self.start).days
                self.tick(now, day)
                if (number + 1) % ticks_a_week == 0:
                    self.week_row((number + 1) // ticks_a_week, week_start)
                    week_start = now + self.tick_size
            self.finish()
        return self.result


def simulate(
    *, patients: int = 30, weeks: int = 12, tick_hours: int = 1, start: datetime.datetime | None = None
) -> Result:
    """Run the simulation on the current database (which must hold nothing of it yet)."""
    from django.core import mail
    from django.test.utils import override_settings

    start = start or datetime.datetime(2026, 1, 5, 0, 0, tzinfo=datetime.UTC)  # a Monday
    mail.outbox = []
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", STAFF_2FA_REQUIRED=False):
        return Simulation(patients=patients, weeks=weeks, start=start, tick_hours=tick_hours).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=30)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--tick-hours", type=int, default=1, choices=[1, 2])
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["REDIS_URL"] = ""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    result = simulate(patients=args.patients, weeks=args.weeks, tick_hours=args.tick_hours)
    print(result.table())
    print(f"\nalerts: {dict(result.alerts)}")
    print(f"emails sent by kind: {dict(result.kinds_sent)}")
    print("\n".join(["", "violations:", *result.violations]) if result.violations else "\nall invariants held")
    return 1 if result.violations else 0


if __name__ == "__main__":
    sys.exit(main())
