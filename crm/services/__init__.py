"""Business rules shared by views, jobs and the CLI."""


class ServiceError(Exception):
    """A request the rules refuse; ``message`` is shown to the user as it is.

    ``field`` names the form field at fault, when there is one, so that the form can show
    the message next to it.
    """

    status = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Throttled(ServiceError):
    status = 429
