"""Events the programs app announces to the apps above it, which it must not import (docs/architecture.md)."""

from django.dispatch import Signal

# Sent by services.assign_program inside its transaction, after the programme and its items are saved:
# receivers get `program` and write in the same transaction (patients: the check-in schedule starts).
program_assigned = Signal()
