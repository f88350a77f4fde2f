from django.db import connection

from portal import paginator
from portal.outbox.models import OutboundEmail
from portal.paginator import EstimatedCountPaginator
from portal.testing.factories import OutboundEmailFactory


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
