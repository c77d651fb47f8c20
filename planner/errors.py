"""Domain errors that carry a user message from the message catalog."""

from planner.i18n import t


class PlannerError(Exception):
    """An error a user can act on; `message` is the catalog text in the UI language."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    @property
    def message(self) -> str:
        return t(self.key, **self.params)

    def __str__(self) -> str:
        return self.message


class InvalidInput(PlannerError):
    """The input is malformed or incomplete; the message names the value and the fix."""


class NotFound(PlannerError):
    """A record the caller named does not exist (or no longer exists)."""


class PermissionDenied(PlannerError):
    """The acting user does not hold the role this action needs."""


class Conflict(PlannerError):
    """The action clashes with existing data (a booking, a newer version)."""
