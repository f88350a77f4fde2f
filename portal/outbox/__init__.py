"""The email outbox: every email the portal sends is a row, sent by a Celery task that claims it first.

The whole API for other apps:

    from portal.outbox import Cancel, queue_email, register_kind

    # <app>/emails.py, imported from the app's AppConfig.ready():
    @register_kind("program_assigned", group="programs")
    def program_assigned(context: dict) -> dict:
        ...  # load by the ids in `context`; raise Cancel("patient archived") to skip the email
        return {"first_name": ..., "program_url": ...}

    # <app>/services.py, inside the use case's transaction:
    queue_email(kind="program_assigned", to=patient.user.email, key=f"program_assigned:{program.pk}",
                context={"program_id": program.pk}, clinic=patient.clinic)

Templates: templates/emails/<kind>-subject.txt, <kind>-body.txt and <kind>-body.html, extending
emails/base-body.txt and emails/base-body.html.
"""

from portal.outbox.kinds import Cancel, register_kind
from portal.outbox.services import BulkEmail, queue_email, queue_emails_in_bulk

__all__ = ["BulkEmail", "Cancel", "queue_email", "queue_emails_in_bulk", "register_kind"]
