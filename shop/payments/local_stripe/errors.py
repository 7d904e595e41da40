"""Stripe's error shapes: `{"error": {"type", "code", "message", "param", ...}}` with Stripe's statuses."""

from __future__ import annotations


class LocalStripeError(Exception):
    """An API error the SDK turns into its own exception class (by status and `type`)."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code

    def body(self) -> dict:
        error: dict = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        if self.decline_code:
            error["decline_code"] = self.decline_code
        return {"error": error}


def resource_missing(object_id: str, *, kind: str = "object", param: str = "id") -> LocalStripeError:
    return LocalStripeError(f"No such {kind}: '{object_id}'", status=404, code="resource_missing", param=param)


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> LocalStripeError:
    return LocalStripeError(message, param=param, code=code)


def missing_param(param: str) -> LocalStripeError:
    return LocalStripeError(f"Missing required param: {param}.", param=param, code="parameter_missing")


def unknown_param(param: str) -> LocalStripeError:
    return LocalStripeError(f"Received unknown parameter: {param}", param=param, code="parameter_unknown")
