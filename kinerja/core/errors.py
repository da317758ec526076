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
