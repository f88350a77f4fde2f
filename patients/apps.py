from django.apps import AppConfig

from programs.signals import program_assigned, program_status_changed  # no models: safe to import while apps load


class PatientsConfig(AppConfig):
    name = "patients"

    def ready(self) -> None:
        import patients.emails  # noqa: F401 - registers the patients' email kinds
        from patients.page_topics import connect_receivers
        from patients.services import end_check_ins, start_check_ins

        # A programme assigned starts the patient's outcome check-ins (programs cannot import patients).
        program_assigned.connect(start_check_ins, dispatch_uid="patients.start_check_ins")
        program_status_changed.connect(end_check_ins, dispatch_uid="patients.end_check_ins")

        # Cache invalidation only (no business logic): every write path makes the patient's pages stale.
        connect_receivers()
