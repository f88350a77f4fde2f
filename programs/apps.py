from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ProgramsConfig(AppConfig):
    name = "programs"

    def ready(self):
        from programs.models import Exercise, ExerciseImage
        from programs.selectors import invalidate_library

        # Cache invalidation only (no business logic): every write path to the library makes its pages stale.
        for model in (Exercise, ExerciseImage):
            post_save.connect(invalidate_library, sender=model, dispatch_uid=f"exercise-pages-{model.__name__}")
            post_delete.connect(invalidate_library, sender=model, dispatch_uid=f"exercise-pages-{model.__name__}-del")

        import programs.emails  # noqa: F401 - registers the programs' email kinds
