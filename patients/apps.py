from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"

    def ready(self) -> None:
        import patients.emails  # noqa: F401 - registers the patients' email kinds
        from patients.page_cache import connect_receivers

        # Cache invalidation only (no business logic): every write path makes the patient's pages stale.
        connect_receivers()
