"""The API surface: routes (method, path) to handlers, with lists, `expand`, idempotency and errors.

`handle_request(method, path, params, headers)` answers `(status, body_json, headers)` like Stripe's
API would; the HTTP client (http_client.py) is a thin adapter over it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from . import balance, checkout, connect, customers, payment_intents, payments, store
from .encoding import read_expand, read_int, read_str
from .errors import LocalStripeError, invalid
from .events import current_request
from .idempotency import run_idempotent

logger = logging.getLogger(__name__)

Handler = Callable[..., dict]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler


def _route(method: str, path: str, handler: Handler) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return Route(method, re.compile(f"^{regex}/?$"), handler)


def _list(url: str, items: list[dict], params: dict) -> dict:
    """Stripe's list object, newest first, with `limit` and `starting_after`/`ending_before`."""
    limit = read_int(params, "limit", minimum=1) or 10
    if limit > 100:
        raise invalid("This value must be less than or equal to 100.", param="limit")
    starting_after = read_str(params, "starting_after")
    ending_before = read_str(params, "ending_before")
    ids = [item["id"] for item in items]
    if starting_after:
        items = items[ids.index(starting_after) + 1 :] if starting_after in ids else []
    if ending_before:
        items = items[: ids.index(ending_before)] if ending_before in ids else []
        page = items[-limit:]
        return {"object": "list", "data": page, "has_more": len(items) > limit, "url": url}
    return {"object": "list", "data": items[:limit], "has_more": len(items) > limit, "url": url}


def _filtered(kind: str, params: dict, fields: tuple[str, ...]) -> list[dict]:
    lookups = {field: params[field] for field in fields if params.get(field)}
    return store.find(kind, **lookups)


def _line_items(params: dict, id: str) -> dict:
    items = list(checkout.session_line_items(id))
    return _list(f"/v1/checkout/sessions/{id}/line_items", items, params)


ROUTES = [
    _route("POST", "/v1/checkout/sessions", checkout.create_session),
    _route(
        "GET",
        "/v1/checkout/sessions",
        lambda params: _list(
            "/v1/checkout/sessions",
            _filtered(
                "checkout.session", params, ("payment_intent", "status", "customer_email", "client_reference_id")
            ),
            params,
        ),
    ),
    _route("GET", "/v1/checkout/sessions/{id}", lambda params, id: checkout.retrieve_session(id)),
    _route("POST", "/v1/checkout/sessions/{id}/expire", lambda params, id: checkout.expire_session(id)),
    _route("GET", "/v1/checkout/sessions/{id}/line_items", _line_items),
    _route("GET", "/v1/payment_intents/{id}", lambda params, id: payments.retrieve_payment_intent(id)),
    _route("GET", "/v1/charges/{id}", lambda params, id: payments.retrieve_charge(id)),
    _route("POST", "/v1/refunds", payments.create_refund),
    _route("GET", "/v1/refunds/{id}", lambda params, id: payments.retrieve_refund(id)),
    _route(
        "GET",
        "/v1/refunds",
        lambda params: _list("/v1/refunds", _filtered("refund", params, ("charge", "payment_intent")), params),
    ),
    _route("POST", "/v1/accounts", connect.create_account),
    _route("GET", "/v1/accounts/{id}", lambda params, id: connect.retrieve_account(id)),
    _route("POST", "/v1/accounts/{id}", lambda params, id: connect.update_account(id, params)),
    _route("POST", "/v1/account_links", connect.create_account_link),
    _route("POST", "/v1/transfers", connect.create_transfer),
    _route("GET", "/v1/transfers/{id}", lambda params, id: connect.retrieve_transfer(id)),
    _route(
        "GET",
        "/v1/transfers",
        lambda params: _list("/v1/transfers", _filtered("transfer", params, ("destination", "transfer_group")), params),
    ),
    _route("POST", "/v1/transfers/{id}/reversals", lambda params, id: connect.create_reversal(id, params)),
    _route(
        "GET",
        "/v1/balance_transactions",
        lambda params: _list("/v1/balance_transactions", *balance.balance_transactions_page(params)),
    ),
    _route("GET", "/v1/balance_transactions/{id}", lambda params, id: balance.retrieve_balance_transaction(id)),
    # Saved cards: customers, their payment methods, PaymentIntents confirmed with one (customers.py,
    # payment_intents.py).
    _route("POST", "/v1/customers", customers.create_customer),
    _route("GET", "/v1/customers/{id}", lambda params, id: customers.retrieve_customer(id)),
    _route("POST", "/v1/customers/{id}", lambda params, id: customers.update_customer(id, params)),
    _route("POST", "/v1/payment_methods", customers.create_payment_method),
    _route(
        "GET",
        "/v1/payment_methods",
        lambda params: _list(
            "/v1/payment_methods",
            customers.list_payment_methods({k: v for k, v in params.items() if k in ("customer", "type")}),
            params,
        ),
    ),
    _route("GET", "/v1/payment_methods/{id}", lambda params, id: customers.retrieve_payment_method(id)),
    _route("POST", "/v1/payment_methods/{id}/attach", lambda params, id: customers.attach_payment_method(id, params)),
    _route("POST", "/v1/payment_methods/{id}/detach", lambda params, id: customers.detach_payment_method(id, params)),
    _route("POST", "/v1/payment_intents", payment_intents.create_payment_intent),
    _route(
        "POST",
        "/v1/payment_intents/{id}/confirm",
        lambda params, id: payment_intents.confirm_payment_intent(id, params),
    ),
    _route(
        "POST", "/v1/payment_intents/{id}/cancel", lambda params, id: payment_intents.cancel_payment_intent(id, params)
    ),
    _route("GET", "/v1/events/{id}", lambda params, id: store.load(id, "event", label="event")),
    _route("GET", "/v1/events", lambda params: _list("/v1/events", _filtered("event", params, ("type",)), params)),
]

# Where `expand` may follow an id, and what it becomes.
EXPANDABLE = {
    "payment_intent",
    "latest_charge",
    "charge",
    "destination",
    "source_transaction",
    "source",
    "payment_method",
    "customer",
}


def _expand(data: dict, paths: list[str]) -> dict:
    for path in paths:
        head, _, rest = path.partition(".")
        if head == "data" and data.get("object") == "list":
            for item in data["data"]:
                _expand(item, [rest] if rest else [])
            continue
        if head == "line_items" and data.get("object") == "checkout.session":
            data["line_items"] = _list(f"/v1/checkout/sessions/{data['id']}/line_items", data["_line_items"], {})
            continue
        value = data.get(head)
        if head not in EXPANDABLE:
            raise invalid(f"This property cannot be expanded ({path}).", param="expand")
        if isinstance(value, str):
            data[head] = store.load(value)
            value = data[head]
        if rest and isinstance(value, dict):
            _expand(value, [rest])
    return data


def _dispatch(method: str, path: str, params: dict, *, savepoint: bool = True) -> tuple[int, str]:
    """Run the route's handler in a transaction; `savepoint=False` inside the idempotency key's transaction,
    which rolls back with any error already."""
    for route in ROUTES:
        if route.method != method:
            continue
        match = route.pattern.match(path)
        if match:
            expand = read_expand(params)
            handler_params = {key: value for key, value in params.items() if key != "expand"}
            with transaction.atomic(savepoint=savepoint):
                result = route.handler(handler_params, **match.groupdict())
                if isinstance(result, LocalStripeError):  # an error whose effects stay (a declined card)
                    return result.status, json.dumps(result.body())
                result = _expand(json.loads(json.dumps(result)), expand)
            return 200, json.dumps(store.public(result), indent=2)
    raise LocalStripeError(
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at "
        "https://support.stripe.com/.",
        status=404,
    )


def handle_request(method: str, path: str, params: dict, headers: dict) -> tuple[int, str, dict]:
    """Answer one API request: `(status, JSON body, response headers)`."""
    method = method.upper()
    request_id = store.new_id("req_", 14)
    idempotency_key = _header(headers, "Idempotency-Key") if method == "POST" else None
    response_headers = {"Request-Id": request_id, "Content-Type": "application/json", "stripe-should-retry": "false"}
    token = current_request.set({"id": request_id, "idempotency_key": idempotency_key})
    try:
        if idempotency_key:
            stored = run_idempotent(
                key=idempotency_key,
                method=method,
                path=path,
                params=params,
                handler=lambda: _dispatch(method, path, params, savepoint=False),
            )
            response_headers["Idempotency-Key"] = idempotency_key
            if stored.replayed:
                response_headers["Idempotent-Replayed"] = "true"
            return stored.status, stored.body, response_headers
        status, body = _dispatch(method, path, params)
        return status, body, response_headers
    except LocalStripeError as error:
        return error.status, json.dumps(error.body()), response_headers
    except Exception as error:
        logger.exception("local Stripe stand-in failed on %s %s", method, path)
        body = {"error": {"type": "api_error", "message": f"The local Stripe stand-in failed: {error!r}"}}
        return 500, json.dumps(body), response_headers
    finally:
        current_request.reset(token)


def _header(headers: dict, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None
