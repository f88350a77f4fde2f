from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"

    def ready(self) -> None:
        import programs.emails  # noqa: F401 - registers the programs' email kinds
