"""The domain errors every service raises; pages turn them into form errors, the API into 400/409."""


class DomainError(Exception):
    """Base of the errors a service raises when it refuses an action."""


class ValidationFailed(DomainError):
    """Input that breaks a rule; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]] | str, field: str = "non_field_errors"):
        if isinstance(errors, str):
            errors = {field: [errors]}
        self.errors = errors
        super().__init__("; ".join(f"{key}: {' '.join(messages)}" for key, messages in errors.items()))


class TransitionNotAllowed(DomainError):
    """A move that the current state does not allow; the message names the current state."""


class RoleRequired(DomainError):
    """The caller's role does not allow this action."""
