"""One JSON shape for every API error: {"code": ..., "message": ..., "fields": {...}}."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(exceptions.APIException):
    """A domain exception turned into a 4xx by a view: carries a code, a message and fields."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, code: str, message: str, fields: dict[str, list[str]] | None = None, status_code: int = 400):
        super().__init__(detail=message, code=code)
        self.error_code = code
        self.fields = fields or {}
        self.status_code = status_code


@extend_schema_field({"$ref": "#/components/schemas/ErrorFields"})  # recursive: see marketplace/api_schema.py
class ErrorFieldsField(serializers.DictField):
    pass


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer of the API (documentation only)."""

    code = serializers.CharField(help_text="Machine-readable reason, e.g. `invalid`, `not_found`, `throttled`.")
    message = serializers.CharField(help_text="A sentence for people.")
    fields = ErrorFieldsField(help_text="Input field name -> its problems; empty unless the input was refused.")


def error_response(description: str) -> OpenApiResponse:
    """An OpenAPI response documented with the error body, for `@extend_schema(responses=...)`."""
    return OpenApiResponse(ErrorSerializer, description=description)


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def _django_validation_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """Model `full_clean` errors keyed like serializer errors (`__all__` -> `non_field_errors`)."""
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    return {
        ("non_field_errors" if name == NON_FIELD_ERRORS else name): messages
        for name, messages in exc.message_dict.items()
    }


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_django_validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*(exc.args[:1] or ()))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, DomainError):
        body = {"code": exc.error_code, "message": str(exc.detail), "fields": exc.fields}
    elif isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": _flatten(exc.detail)}
        names = ", ".join(fields)
        body = {"code": "invalid", "message": f"Invalid input: {names}.", "fields": fields}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = {
            "code": code if isinstance(code, str) else "error",
            "message": str(detail),
            "fields": {},
        }
    response.data = body
    return response


@csrf_exempt  # nothing is changed here; a POST without a CSRF token must get this 404, not the HTML 403 page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under the API answer in the API's error shape, not with the HTML 404 page."""
    return JsonResponse({"code": "not_found", "message": "No API endpoint at this address.", "fields": {}}, status=404)
