from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import paginator
from portal.outbox.models import OutboundEmail
from portal.paginator import EstimatedCountPaginator
from testing.factories import OutboundEmailFactory


def test_a_big_unfiltered_list_is_counted_from_the_planners_estimate_and_a_filtered_one_exactly(
    require_postgres, monkeypatch
):
    OutboundEmailFactory.create_batch(30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_outboundemail")
    OutboundEmailFactory.create_batch(5, urgent=True)  # not in the statistics yet

    assert EstimatedCountPaginator(OutboundEmail.objects.all(), 50).count == 35  # small table: exact
    monkeypatch.setattr(paginator, "ESTIMATE_ABOVE", 10)
    assert EstimatedCountPaginator(OutboundEmail.objects.all(), 50).count == 30  # the estimate
    filtered = OutboundEmail.objects.filter(urgent=True)
    assert EstimatedCountPaginator(filtered, 50).count == 5


def test_a_big_filtered_list_is_counted_from_explain_not_count(require_postgres, monkeypatch):
    OutboundEmailFactory.create_batch(30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_outboundemail")
    monkeypatch.setattr(paginator, "ESTIMATE_ABOVE", 10)
    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(OutboundEmail.objects.filter(urgent=False), 50).count
    assert count >= 20  # the planner's estimate of 30 rows
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["EXPLAIN"]
