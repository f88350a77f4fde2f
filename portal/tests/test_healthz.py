import pytest

from testing.services import unreachable


@pytest.mark.django_db
def test_healthz_reports_database_and_in_process_broker(client, settings):
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process"}


@pytest.mark.django_db
@pytest.mark.broker
def test_healthz_says_degraded_but_serving_when_the_broker_is_down(client, settings, broker_url):
    settings.CELERY_BROKER_URL = unreachable(broker_url)  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 200  # the site still serves: do not take the node out of the balancer
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "down"}


@pytest.mark.django_db
@pytest.mark.broker
def test_healthz_reports_a_real_broker(client, settings, broker_url):
    """Redis, or RabbitMQ when TEST_BROKER_URL is amqp://… (CI runs both)."""
    settings.CELERY_BROKER_URL = broker_url
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
