import pytest
from django.core.exceptions import ValidationError

from articles import services
from articles.rendering import content_checks, mentioned_exercise_slugs, render_markdown
from articles.tests.factories import ExerciseFactory
from articles.tests.html_checks import PAYLOADS, active_content


def test_headings_get_ids_and_make_the_table_of_contents():
    rendered = render_markdown("## Why it hurts\n\ntext\n\n### Sciatica\n\n#### Too deep\n")
    assert '<h2 id="why-it-hurts">Why it hurts</h2>' in rendered.html
    assert [item["id"] for item in rendered.toc] == ["why-it-hurts", "sciatica"]
    assert [item["level"] for item in rendered.toc] == [2, 3]


def test_warning_callout_renders_as_labelled_aside_with_its_title():
    html = render_markdown("::: warning Get urgent help\nCall **999**.\n:::\n").html
    assert '<aside class="callout callout-warning" aria-label="Get urgent help">' in html
    assert '<p class="callout-title">Get urgent help</p>' in html
    assert "<strong>999</strong>" in html


def test_tip_callout_without_title_uses_a_default_one():
    assert '<p class="callout-title">Tip</p>' in render_markdown("::: tip\nRest.\n:::\n").html


def test_tables_are_wrapped_so_they_scroll_on_a_phone():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n").html
    assert '<div class="table-responsive"><table class="table">' in html
    assert "</table></div>" in html


@pytest.mark.django_db
def test_exercise_embed_on_its_own_line_becomes_a_card_linking_to_the_library():
    exercise = ExerciseFactory(name="Knee to chest", slug="knee-to-chest", summary="Hug a knee.")
    html = render_markdown("Intro.\n\n{{exercise:knee-to-chest}}\n", {"knee-to-chest": exercise}).html
    assert '<article class="card exercise-card my-3">' in html
    assert 'href="/exercises/knee-to-chest/"' in html
    assert "Hug a knee." in html
    assert "{{exercise" not in html


@pytest.mark.django_db
def test_exercise_link_in_a_table_points_to_the_exercise_page():
    exercise = ExerciseFactory(slug="pelvic-tilt")
    html = render_markdown("| Stretch |\n|---|\n| [Tilt](exercise:pelvic-tilt) |\n", {"pelvic-tilt": exercise}).html
    assert '<a href="/exercises/pelvic-tilt/"' in html


@pytest.mark.django_db
def test_unknown_exercise_slugs_are_a_validation_error_on_the_body():
    ExerciseFactory(slug="walking")
    body = "{{exercise:walking}}\n\n{{exercise:no-such-thing}}\n\n[x](exercise:nor-this)"
    with pytest.raises(ValidationError) as raised:
        services.validate_body(body)
    assert "no-such-thing" in str(raised.value.message_dict["body"])
    assert "nor-this" in str(raised.value.message_dict["body"])
    assert "walking" not in str(raised.value.message_dict["body"])


def test_mentioned_slugs_include_malformed_ones_so_they_are_reported():
    assert mentioned_exercise_slugs("{{exercise:<script>}} [a](exercise:ok-1)") == ["<script>", "ok-1"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_pipeline_never_outputs_active_content(payload):
    body = (
        f"## Title {payload}\n\n{payload}\n\n- {payload}\n\n| a |\n|---|\n| {payload} |\n\n"
        f"::: tip {payload}\n{payload}\n:::\n"
    )
    html = render_markdown(body).html
    assert active_content(html) == []


def test_content_checks_count_words_and_score_readability():
    easy = content_checks("The cat sat on the mat. It was warm. We all sat down.")
    hard = content_checks(
        "Degenerative intervertebral discopathy necessitates multidisciplinary conservative management "
        "incorporating physiotherapeutic rehabilitation and pharmacological analgesia."
    )
    assert easy["words"] == 13
    assert easy["flesch"] > 90 and easy["band"] == "easy to read"
    assert hard["flesch"] < 30 and hard["band"] == "difficult"
    assert content_checks("")["flesch"] is None
