"""The audit trail of staff access to patient records. Every clinic-scoped admin writes to it."""

from django.db.models import Model

from portal.models import AuditEvent
from portal.security import client_ip


def clinic_id_of(obj: Model, lookup: str) -> int | None:
    """Follow a clinic lookup such as "patient__clinic" from an object to its clinic id."""
    *path, last = lookup.split("__")
    for name in path:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj.pk if last == "pk" else getattr(obj, f"{last}_id", None)


def record(request, action: str, *, model: str, obj: Model | None = None, clinic_id: int | None = None) -> None:
    if not request.user.is_authenticated:
        return
    AuditEvent.objects.create(
        actor=request.user,
        clinic_id=clinic_id,
        action=action,
        model=model,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=f"{model} #{obj.pk}" if obj is not None else "",
        path=request.get_full_path()[:300],
        ip_address=client_ip(request),
    )
