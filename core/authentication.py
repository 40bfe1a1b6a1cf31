"""API tokens that expire: DRF's token authentication, refusing a token older than API_TOKEN_DAYS."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def token_expires_at(token: Token) -> datetime:
    """Return when the token stops signing in."""
    return token.created + timedelta(days=settings.API_TOKEN_DAYS)


def token_expired(token: Token) -> bool:
    return token_expires_at(token) <= timezone.now()


def token_expired_message(token: Token) -> str:
    return (
        f"Token expired on {timezone.localdate(token_expires_at(token)).isoformat()}; "
        "sign in for a new one via POST /api/auth/token/."
    )


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token ...` for API_TOKEN_DAYS after the token was issued, then 401 saying so."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed(token_expired_message(token))
        return user, token
