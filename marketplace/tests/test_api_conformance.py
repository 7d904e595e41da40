"""The API answers what its OpenAPI schema says, for anonymous callers, a seller and a creator (schemathesis).

Every operation of /api/schema/ is called through the WSGI app with schemathesis' coverage cases (the
boundaries and the invalid values the schema defines) and a few generated examples, derandomized so
that a run is repeatable, and each answer is checked: no 5xx, a documented status code, content type,
body and headers, invalid input refused, authentication enforced. Left out: its check that schema-valid
input is accepted, since valid-looking input is refused for reasons a schema cannot say (a wrong
password, a variant out of stock, an id that does not exist).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory
from shop.tests.factories import CategoryFactory, ProductFactory, SellerMemberFactory, VariantFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
_ROLE_TOKEN: dict[str, str | None] = {"key": None}


@schema.auth(refresh_interval=None)
class RoleToken:
    """The API token of the role under test, sent as schemathesis' own auth (so its auth checks know it)."""

    def get(self, case, context) -> str | None:
        return _ROLE_TOKEN["key"]

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes database connections after each request, which would end the test's
    transaction on PostgreSQL; Django's own test client keeps them open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=("anonymous", "seller", "creator"))
def token(request, db):
    """A small catalog (a sub-category, a product on sale, a creator's posts) and the role's token."""
    parent = CategoryFactory(slug="beauty")
    member = SellerMemberFactory(seller__slug="acme")
    product = ProductFactory(seller=member.seller, category=CategoryFactory(slug="skin", parent=parent))
    VariantFactory(product=product)
    creator = CreatorFactory(handle="ada")
    ProductTagFactory(post=VideoPostFactory(creator=creator), product=product)
    VideoPostFactory(creator=creator, status="processing", video=None, published_at=None)
    user = {"anonymous": None, "seller": member.user, "creator": creator.user}[request.param]
    _ROLE_TOKEN["key"] = Token.objects.create(user=user).key if user else None
    yield _ROLE_TOKEN["key"]
    _ROLE_TOKEN["key"] = None


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_schema_says(case, token):
    """Bounded: about two minutes for the whole API and the three roles on two cores."""
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
