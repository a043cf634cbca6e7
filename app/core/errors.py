"""The refusal every feature's service raises and its routes show beside a form."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal to show next to a form field (``field``) or at the top of the form."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
