from django.apps import AppConfig

from portal.pagecache import bump_on  # no models: safe to import while apps load


class ProgramsConfig(AppConfig):
    name = "programs"

    def ready(self):
        from programs.handouts_store import render_on
        from programs.models import Exercise, ExerciseImage, Program, ProgramItem, ProgramPhase
        from programs.selectors import LIBRARY

        # Cache invalidation only (no business logic): every write path to the library makes its pages stale.
        for model in (Exercise, ExerciseImage):
            bump_on(model, LIBRARY)
        # A changed programme's handout PDF is rendered again in a worker, after the commit (programs.handouts_store).
        for model in (Program, ProgramItem, ProgramPhase):
            render_on(model)

        import programs.emails  # noqa: F401 - registers the programs' email kinds
