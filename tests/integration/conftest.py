"""Fixtures shared by several integration test modules, each defined beside its helpers."""

# The fair-rebooking world (tests/rebooking_world.py): test_rebooking and
# test_partner_rebooking ask for it by name.
from tests.rebooking_world import world  # noqa: F401
