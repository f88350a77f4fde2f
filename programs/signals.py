"""Events the programs app announces to the apps above it, which it must not import (docs/architecture.md)."""

from django.dispatch import Signal

# Sent by services.assign_program inside its transaction, after the programme and its items are saved:
# receivers get `program` and write in the same transaction (patients: the check-in schedule starts).
program_assigned = Signal()

# Sent by services when a programme is paused, resumed or completed, inside the same transaction: receivers get
# `program` (its new `status` set) and write in the same transaction (patients: completing asks the discharge
# questionnaires).
program_status_changed = Signal()

# Sent by services.duplicate_program inside its transaction: receivers get `program` (the paused copy) and
# `source` (the programme copied) and copy what they keep for it (articles: the reading list).
program_duplicated = Signal()
