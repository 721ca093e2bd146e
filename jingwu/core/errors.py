"""Errors a service raises for the user to read (in Chinese), shared by views and the API."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused write: `message` explains why; `field_errors` point at the inputs to fix."""

    status_code = 400

    def __init__(self, message: str, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class Conflict(ServiceError):
    """The write clashes with existing data (a duplicate, or an edit of a stale version)."""

    status_code = 409

    def __init__(
        self, message: str, field_errors: dict[str, str] | None = None, existing_id: int | None = None
    ):
        super().__init__(message, field_errors)
        self.existing_id = existing_id
