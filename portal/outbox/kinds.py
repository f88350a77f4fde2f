"""The registry of email kinds. Each app registers its own kinds; the registry lives here."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


class Cancel(Exception):  # noqa: N818 - reads as "raise Cancel('patient archived')"
    """Raised by a kind's function when the email should not go out; the row is cancelled with the reason."""


@dataclass(frozen=True)
class EmailKind:
    name: str
    build: Callable[[dict], dict]
    urgent: bool
    group: str


_KINDS: dict[str, EmailKind] = {}


def register_kind(name: str, *, urgent: bool = False, group: str = "updates"):
    """Register `func(context: dict) -> dict` as the email kind `name`.

    The function receives the stored context (ids and plain values) just before sending and
    returns the template context; it raises `Cancel("reason")` when the email must not go out.
    `group` names what a recipient unsubscribes from; urgent kinds are never suppressed.
    """

    def decorator(func: Callable[[dict], dict]) -> Callable[[dict], dict]:
        known = _KINDS.get(name)
        if known is not None and known.build.__qualname__ != func.__qualname__:
            raise ImproperlyConfigured(f"Email kind {name!r} is registered twice.")
        _KINDS[name] = EmailKind(name=name, build=func, urgent=urgent, group=group)
        return func

    return decorator


def get_kind(name: str) -> EmailKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ImproperlyConfigured(f"Unknown email kind {name!r}: register it with register_kind().") from None


def kind_names() -> list[str]:
    return sorted(_KINDS)
