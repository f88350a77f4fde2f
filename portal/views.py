from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def home(request):
    return render(request, "portal/home.html")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any failure means "down" for a health probe
        return False


def _broker_status() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except redis.RedisError:
        return "down"


@never_cache
@require_GET
def healthz(request):
    """200 while the database answers: without Redis the site still serves (uncached) and emails wait in the
    outbox, so it says "degraded" rather than taking the node out of a load balancer. 503 without a database."""
    database = "ok" if _database_ok() else "down"
    broker = _broker_status()
    status = "down" if database == "down" else "degraded" if broker == "down" else "ok"
    body = {"status": status, "database": database, "broker": broker}
    return JsonResponse(body, status=503 if status == "down" else 200)
