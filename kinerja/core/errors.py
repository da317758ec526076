class DomainError(Exception):
    """A refused action. `message` is shown to the user; `code` is for API clients."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "refused", details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []


class PermissionDenied(DomainError):
    status_code = 403

    def __init__(self, message: str, *, code: str = "forbidden"):
        super().__init__(message, code=code)


class StaleEdit(DomainError):
    """Someone saved first: the edit was based on an older version."""

    status_code = 409

    def __init__(self, message: str = "", *, code: str = "stale"):
        super().__init__(message or "Someone else saved this first. Reload the page and try "
                         "again.", code=code)


class OutOfTurn(DomainError):
    """The action does not fit the state the work is in."""

    status_code = 409

    def __init__(self, message: str, *, code: str = "out_of_turn",
                 details: list[str] | None = None):
        super().__init__(message, code=code, details=details)
