"""Every URL pattern, filled with hostile values, answers a 4xx or ignores them: never a 500.

The walk reads the URL map (django.urls.get_resolver), so a new page or endpoint is walked without
being listed here. Each path parameter in turn gets a NUL, 10,000 characters, a number no column
holds and a value of the wrong type (the others keep a real object's value, so the view gets past
its lookups); each address also gets hostile query parameters, and GET and POST with a form, a JSON
body nested 5,000 levels deep and a JSON body holding a NUL. Once as a visitor, once as a user who is
staff, a seller and an approved creator at once (so the admin, dashboard and studio views run).
A NUL must be refused exactly (400, or 404 for a page's path) before it reaches the database.
"""

import json
import logging
import re
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from creators.models import Creator
from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory
from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.tests.factories import UserFactory
from shop.models import CartLine, ReturnLine, ReturnRequest, SellerMember
from shop.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    SellerMemberFactory,
    VariantFactory,
    paid_order,
)

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
LONG = "x" * 10_000
HUGE_NUMBER = "9" * 30  # past every integer column, within Python's digit limit
HOSTILE_PATH_VALUES = {"nul": NUL, "long": LONG, "huge number": HUGE_NUMBER, "wrong type": "1.5"}
# Every query parameter a view reads, and the admin's ordering, page and search parameters.
QUERY_NAMES = (
    "page", "q", "cursor", "limit", "tag", "variant", "number", "session_id", "token", "name", "seller",
    "category", "status", "min_price", "max_price", "next", "o", "p", "warehouse", "after",
)  # fmt: skip
# Form fields of the site's forms, with values no form should take.
FORM = {
    name: value
    for names, value in (
        (("quantity", "variant", "position", "price", "start_seconds", "end_seconds", "position_x"), HUGE_NUMBER),
        (("q", "email", "title", "caption", "handle", "username", "password", "postal_code", "sku", "name"), LONG),
        (("country", "shipping_method", "product", "category", "next", "warehouse", "status"), "1.5"),
    )
    for name in names
}
NESTED_JSON = "[" * 5000 + "]" * 5000
NUL_JSON = json.dumps({"variant": "a\x00b", "quantity": 1, "events": [{"tracking_number": "1Z\x00"}]})
API = "/api/v1/"
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def url_patterns() -> list[tuple[str, URLPattern]]:
    """Every pattern of the URL map as (full route, pattern), routes joined from their includes."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + _route(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            else:
                found.append((route, pattern))

    walk(get_resolver().url_patterns, "")
    return found


def _route(pattern) -> str:
    """A path() route as is; a re_path() regex as a route with the same named parameters."""
    if not isinstance(pattern, RegexPattern):
        return str(pattern)
    regex = pattern._regex.removeprefix("^").removesuffix("$")
    regex = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", regex)
    return regex.replace(".*", "anything")


@pytest.fixture
def world(db):
    """One of each object the addresses point at, owned by `insider`, who is staff, a seller and a creator."""
    insider = UserFactory(is_staff=True, is_superuser=True)
    member = SellerMemberFactory(user=insider, role=SellerMember.Role.OWNER)
    product = ProductFactory(seller=member.seller, category=CategoryFactory())
    variant = VariantFactory(product=product)
    warehouse = WarehouseFactory()
    stock_of(variant, warehouse)
    image = ProductImageFactory(product=product)
    creator = CreatorFactory(user=insider, status=Creator.Status.APPROVED)
    tag = ProductTagFactory(post=VideoPostFactory(creator=creator), product=product)
    order = paid_order((variant, 1), user=insider)
    line = CartLine.objects.get(cart__user=insider)  # the order's cart
    # A return of the order waiting for review (written as the service would), so return addresses find one.
    ret = ReturnRequest.objects.create(
        number=f"{order.number}-R1", order=order, status=ReturnRequest.Status.IN_REVIEW, reason="damaged",
        cost_bearer="seller", value=variant.price, currency=order.currency,
    )  # fmt: skip
    ReturnLine.objects.create(return_request=ret, order_line=order.lines.get(), quantity=1)
    by_prefix = {
        "api/v1/creator/posts/": tag.post.pk, "studio/posts/": tag.post.pk, "api/v1/creator/tags/": tag.pk,
        "studio/tags/": tag.pk, "api/v1/seller/variants/": variant.pk, "api/v1/seller/images/": image.pk,
        "api/v1/cart/lines/": line.pk,
    }  # fmt: skip
    by_name = {
        "pk": product.pk, "variant_pk": variant.pk, "warehouse_pk": warehouse.pk, "image_pk": image.pk,
        "line_id": line.pk, "post_id": tag.post.pk, "tag_id": tag.pk, "number": order.number,
        "slug": product.slug, "handle": creator.handle, "warehouse_code": warehouse.code,
        "carrier_code": "domestic_ground", "tracking_number": "1Z999", "app_label": "shop",
        "return_number": ret.number,
    }  # fmt: skip
    return {"insider": insider, "by_prefix": by_prefix, "by_name": by_name}


def _real_value(world: dict, route: str, name: str, pattern: URLPattern) -> str:
    if name == "pk":
        for prefix, value in world["by_prefix"].items():
            if route.startswith(prefix):
                return str(value)
    if name == "object_id" and hasattr(pattern.callback, "model_admin"):
        first = pattern.callback.model_admin.model._default_manager.order_by("pk").first()
        return str(first.pk) if first else "1"
    return str(world["by_name"].get(name, "1"))


def _path(route: str, values: dict[str, str]) -> str:
    return "/" + PARAMETER.sub(lambda match: quote(values[match["name"]], safe=""), route)


def requests_for(world: dict, route: str, pattern: URLPattern):
    """(method, path, keyword arguments for the test client, what is hostile) for one pattern."""
    names = [match["name"] for match in PARAMETER.finditer(route)]
    real = {name: _real_value(world, route, name, pattern) for name in names}
    path = _path(route, real)
    for label, value in (("long", LONG), ("huge number", HUGE_NUMBER)):
        yield "get", f"{path}?{urlencode(dict.fromkeys(QUERY_NAMES, value))}", {}, f"query {label}"
    yield "get", f"{path}?{urlencode(dict.fromkeys(QUERY_NAMES, NUL))}", {}, "query nul"
    form, form_nul = urlencode(FORM), urlencode({**FORM, "email": NUL})
    yield "post", path, {"data": form, "content_type": "application/x-www-form-urlencoded"}, "form"
    yield "post", path, {"data": form_nul, "content_type": "application/x-www-form-urlencoded"}, "form nul"
    yield "post", path, {"data": {**FORM, "email": NUL, "q": NUL, "product": NUL}}, "multipart nul"
    for label, body in (("nested json", NESTED_JSON), ("json nul", NUL_JSON)):
        yield "post", path, {"data": body, "content_type": "application/json"}, label
    for name in names:
        for label, value in HOSTILE_PATH_VALUES.items():
            hostile = _path(route, {**real, name: value})
            yield "get", hostile, {}, f"path {name} {label}"
            yield "post", hostile, {}, f"path {name} {label}"


def expected_refusal(path: str, what: str, status: int) -> bool:
    """A NUL (outside multipart bodies, left to their forms) and deep JSON are refused before any view."""
    if what.startswith("path") and what.endswith(" nul"):
        return status == (400 if path.startswith("/api/") else 404)
    if what in ("query nul", "form nul", "json nul", "nested json"):
        return status == 400
    return True


@pytest.fixture(autouse=True)
def _quiet_request_log():
    """Thousands of refused requests are expected here: their warnings would bury a failure."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def walk_every_address(client: Client, world: dict, api_client: Client | None = None) -> list[str]:
    """Every hostile request to every pattern; the problems found (500s, crashes, wrong refusals)."""
    problems = []
    for route, pattern in url_patterns():
        for method, path, options, what in requests_for(world, route, pattern):
            sender = api_client if api_client and path.startswith(API) else client
            try:
                with transaction.atomic():  # each request sees the same world; a failed query spoils nothing
                    response = getattr(sender, method)(path, **options)
                    transaction.set_rollback(True)
            except Exception as error:  # noqa: BLE001  (every crash is collected, then reported together)
                problems.append(f"{method.upper()} {route} ({what}): {type(error).__name__}: {error}"[:300])
                continue
            if response.status_code >= 500 or not expected_refusal(path, what, response.status_code):
                problems.append(f"{method.upper()} {route} ({what}): {response.status_code}")
            elif path.startswith(API) and not _is_json(response):
                problems.append(f"{method.upper()} {route} ({what}): {response.status_code} {response['Content-Type']}")
    return problems


def _is_json(response) -> bool:
    """API answers are JSON, errors included; redirects (a missing slash) and 204s have no body."""
    if response.status_code in (204, 301, 302, 308):
        return True
    return response["Content-Type"].startswith("application/json")


def test_every_address_survives_hostile_input_from_a_visitor(world):
    # Browsers post no CSRF token to the API: its answers must be JSON all the same.
    problems = walk_every_address(Client(), world, api_client=Client(enforce_csrf_checks=True))

    assert problems == [], "\n".join(problems)


def test_every_address_survives_hostile_input_from_staff_a_seller_and_a_creator(world):
    client = Client()
    client.force_login(world["insider"])

    problems = walk_every_address(client, world)

    assert problems == [], "\n".join(problems)


def test_the_walk_covers_every_app():
    routes = [route for route, _pattern in url_patterns()]

    assert len(routes) > 200
    for prefix in ("api/v1/", "admin/", "seller/", "studio/", "carriers/", "stripe/", "cart/", "orders/", "feed/"):
        assert any(route.startswith(prefix) for route in routes), prefix
