"""The domain errors, kept in the kernel (core.errors) so that it can raise them too; imported from here as before."""

from core.errors import DomainError, RoleRequired, TransitionNotAllowed, ValidationFailed

__all__ = ["DomainError", "RoleRequired", "TransitionNotAllowed", "ValidationFailed"]
