"""API plumbing shared by every app: authentication, role permissions, errors and schema.

Pagination lives in config/pagination.py, which DRF imports while it is still loading.
"""

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.authentication import ExpiringTokenAuthentication
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.roles import has_role, roles_phrase

# --- errors -------------------------------------------------------------------------------------


def flatten_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested errors into the services' flat form: {"items[0].quantity": ["..."]}."""
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            if isinstance(key, int):  # DRF keys a list's item errors by position
                name = f"{prefix}[{key}]"
            elif not prefix:
                name = str(key)
            elif key in ("non_field_errors", "detail"):
                name = prefix
            else:
                name = f"{prefix}.{key}"
            for field, messages in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    if isinstance(errors, list):
        if all(not isinstance(error, dict | list) for error in errors):
            return {prefix or "non_field_errors": [str(error) for error in errors]} if errors else {}
        flat = {}
        for index, value in enumerate(errors):
            for field, messages in flatten_errors(value, f"{prefix}[{index}]").items():
                flat.setdefault(field, []).extend(messages)
        return flat
    return {prefix or "non_field_errors": [str(errors)]}


def exception_handler(exc, context):
    """Turn the services' refusals into the contract's 400, 403, 404 and 409 answers."""
    if isinstance(exc, ValidationFailed):
        return Response(flatten_errors(exc.errors), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, TransitionNotAllowed):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, RoleRequired):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ObjectDoesNotExist):
        exc = Http404(str(exc))
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
        # Every 400 has the same shape, whether a serializer, a filter or the JSON parser refused.
        data = response.data
        if isinstance(exc, exceptions.ParseError) and isinstance(data, dict) and "detail" in data:
            data = {"non_field_errors": [str(data["detail"])]}
        response.data = flatten_errors(data)
    return response


def errors_in_json(request) -> None:
    """Render a refusal as JSON even where success is a PDF or a CSV file."""
    request.accepted_renderer = JSONRenderer()
    request.accepted_media_type = JSONRenderer.media_type


class JSONErrorsMixin:
    """For views that answer in another format (PDF, CSV): refusals are still JSON."""

    def handle_exception(self, exc):
        errors_in_json(self.request)
        return super().handle_exception(exc)


# --- permissions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """Who may use one action of a view, and how a refusal names it."""

    roles: tuple[str, ...]
    doing: str

    def refusal(self) -> str:
        return f"Only {roles_phrase(*self.roles)} may {self.doing}."


class RolePermission(permissions.BasePermission):
    """Everyone signed in may read; an action listed in the view's `access` needs one of its roles.

    `access` maps a viewset action (or, on a plain view, the lower-case HTTP method) to an Access.
    Managers pass every check, as everywhere in the desk.
    """

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        key = getattr(view, "action", None) or request.method.lower()
        access = getattr(view, "access", {}).get(key)
        if access is None:
            return True
        if not has_role(request.user, *access.roles):
            raise exceptions.PermissionDenied(access.refusal())
        return True


# --- schema -------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What was refused and, for a 409, the current state.")


VALIDATION_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": (
        "Field name → messages. Nested input is named like `items[0].quantity`; errors about the "
        "request as a whole are under `non_field_errors`."
    ),
    "example": {"items[0].quantity": ["Quantity must be from 1 to 500."]},
}


# One meaning per code: 400 when the request itself is wrong (even if a colleague's change just made it so,
# such as a quantity now above what remains), 409 when no request could pass in the current state.
ERROR_RESPONSES = {
    "400": ("Invalid input, named by field: nothing was changed.", None),
    "401": ("Not signed in: send `Authorization: Token <key>` or a session cookie.", ErrorSerializer),
    "403": ("The caller's role does not allow this.", ErrorSerializer),
    "404": ("No such object (or an invalid page number).", ErrorSerializer),
    "409": (
        "The current state does not allow this, or a colleague changed it at the same moment; `detail` names "
        "the state or what changed. Nothing was changed.",
        ErrorSerializer,
    ),
}


class ApiAutoSchema(AutoSchema):
    """Document the errors every operation can answer with, in the same words as the handler."""

    def _error_codes(self) -> list[str]:
        view = self.view
        action = getattr(view, "action", None) or self.method.lower()
        codes = []
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        if has_body or self._is_filtered_list():
            codes.append("400")
        if not getattr(view, "public", False):
            codes.append("401")
            if action in getattr(view, "access", {}):
                codes.append("403")
        if "{" in self.path or (self.method == "GET" and self._is_list_view()):
            codes.append("404")
        if action in getattr(view, "conflicts", ()):
            codes.append("409")
        return codes

    def _is_filtered_list(self) -> bool:
        # Filters and page numbers alike answer 400 naming the parameter they refuse.
        return (
            self.method == "GET"
            and self._is_list_view()
            and "{" not in self.path
            and (
                getattr(self.view, "filterset_class", None) is not None
                or getattr(self.view, "pagination_class", None) is not None
            )
        )

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code in responses:
                continue
            description, body = ERROR_RESPONSES[code]
            if body is None:
                component = ResolvedComponent(
                    name="ValidationErrors",
                    type=ResolvedComponent.SCHEMA,
                    schema=VALIDATION_ERRORS_SCHEMA,
                    object="ValidationErrors",
                )
                self.registry.register_on_missing(component)
                body = component.ref
            responses[code] = self._get_response_for_code(
                OpenApiResponse(response=body, description=description), code, media_types=("application/json",)
            )
        return responses


def enum_field(component: str, choices) -> type[serializers.ChoiceField]:
    """A ChoiceField whose values appear once in the schema, as the named enum component."""
    choices = [(str(value), str(label)) for value, label in choices]
    schema = {
        "type": "string",
        "enum": [value for value, _ in choices],
        "description": "\n".join(f"* `{value}` - {label}" for value, label in choices),
    }

    class EnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    EnumField.__name__ = EnumField.__qualname__ = f"{component}Field"
    return extend_schema_field(schema, component_name=component)(EnumField)


# --- the base of every API view -----------------------------------------------------------------


class BodyParser(JSONParser):
    """JSON bodies; one nested deeper than Python's parser can follow is bad input, not a server error."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError("JSON parse error - the body is nested too deeply.") from error


# No docstring here: the schema would show it as the description of every view without one.
class ApiViewMixin:
    # Token first, so a request without credentials gets 401 with WWW-Authenticate, not 403.
    authentication_classes = [ExpiringTokenAuthentication, SessionAuthentication]
    permission_classes = [RolePermission]
    parser_classes = [BodyParser]
    schema = ApiAutoSchema()
    access: dict[str, Access] = {}
    # Actions that may answer 409 because the object's state does not allow them.
    conflicts: tuple[str, ...] = ()
