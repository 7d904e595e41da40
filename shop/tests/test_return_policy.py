"""The returns policy: what is approved without a look, who carries the cost, when the money moves."""

from decimal import Decimal

import pytest

from shop.models import ReturnRequest
from shop.services.returns import decide

S = ReturnRequest.Status


@pytest.mark.parametrize(
    ("reason", "value", "currency", "status"),
    [
        ("doesnt_fit", "199.99", "USD", S.APPROVED),
        ("doesnt_fit", "200.00", "USD", S.APPROVED),
        ("doesnt_fit", "200.01", "USD", S.IN_REVIEW),  # above the limit: staff look first
        ("changed_mind", "20.00", "BRL", S.IN_REVIEW),  # no limit for the currency: never automatic
        ("damaged", "5.00", "USD", S.IN_REVIEW),  # photos to look at
        ("not_as_described", "5.00", "USD", S.IN_REVIEW),
        ("wrong_item", "50.00", "EUR", S.APPROVED),
        ("arrived_late", "25000", "JPY", S.APPROVED),
    ],
)
def test_small_returns_for_plain_reasons_are_approved_at_once(reason, value, currency, status):
    decision = decide(reason=reason, value=Decimal(value), currency=currency)
    assert decision.status == status
    assert bool(decision.review_reason) == (status == S.IN_REVIEW)


@pytest.mark.parametrize(
    ("reason", "bearer", "refund_shipping"),
    [
        ("changed_mind", "seller", False),
        ("doesnt_fit", "seller", False),
        ("not_as_described", "seller", True),
        ("damaged", "platform", True),
        ("wrong_item", "platform", True),
        ("arrived_late", "platform", True),
        ("returned_to_sender", "platform", True),
    ],
)
def test_the_cost_falls_on_the_seller_or_the_platform_by_reason(reason, bearer, refund_shipping):
    decision = decide(reason=reason, value=Decimal("10"), currency="USD")
    assert (decision.cost_bearer, decision.refund_shipping) == (bearer, refund_shipping)


def test_a_wrong_item_is_refunded_at_the_first_scan_and_the_rest_after_inspection(settings):
    assert decide(reason="wrong_item", value=Decimal("10"), currency="USD").refund_at == "first_scan"
    assert decide(reason="doesnt_fit", value=Decimal("10"), currency="USD").refund_at == "inspection"
    settings.RETURNS_REFUND_AT_FIRST_SCAN_REASONS = ["doesnt_fit"]
    assert decide(reason="doesnt_fit", value=Decimal("10"), currency="USD").refund_at == "first_scan"


def test_the_limit_comes_from_the_settings(settings):
    settings.RETURNS_AUTO_APPROVE_MAX_VALUE = {"USD": "20"}
    assert decide(reason="doesnt_fit", value=Decimal("25"), currency="USD").status == S.IN_REVIEW
