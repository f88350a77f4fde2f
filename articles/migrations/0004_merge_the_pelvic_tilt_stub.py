"""The demo library had "Pelvic tilt" (a one-line stub made by the articles demo) beside "Pelvic tilts" (the full
entry). Where both exist, everything that pointed at the stub points at the full entry and the stub goes."""

from django.db import migrations

STUB, FULL = "pelvic-tilt", "pelvic-tilts"


def merge(apps, schema_editor):
    Exercise = apps.get_model("programs", "Exercise")
    Article = apps.get_model("articles", "Article")
    stub, full = Exercise.objects.filter(slug=STUB).first(), Exercise.objects.filter(slug=FULL).first()
    if stub is None or full is None:
        return
    for name in ("program_items", "template_items", "images"):  # the foreign keys to an exercise
        related = Exercise._meta.get_field(name).related_model
        related.objects.filter(exercise=stub).update(exercise=full)
    for article in Article.objects.filter(related_exercises=stub):
        article.related_exercises.remove(stub)
        article.related_exercises.add(full)
    for article in Article.objects.filter(body__contains=f"exercise:{STUB}"):
        article.body = article.body.replace(f"exercise:{STUB})", f"exercise:{FULL})").replace(
            f"{{{{exercise:{STUB}}}}}", f"{{{{exercise:{FULL}}}}}"
        )
        article.body_html = article.body_html.replace(f"/exercises/{STUB}/", f"/exercises/{FULL}/")
        article.save(update_fields=["body", "body_html"])
    stub.delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_working_copies"), ("programs", "0007_exercise_review")]
    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
