from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"

    def ready(self) -> None:
        import patients.emails  # noqa: F401 - registers the patients' email kinds
