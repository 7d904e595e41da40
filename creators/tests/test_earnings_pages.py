"""The creator's earnings page: the numbers, the chart, the payout account button, permissions, queries."""

import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from creators.models import Commission, Creator, PostImpression
from creators.services.commissions import record_order_commissions
from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory
from creators.tests.money import click, local_stripe_fixture, order_paid_at, tagged_variant  # noqa: F401
from marketplace.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/studio/earnings/"


def _stat(response, name: str) -> str:
    match = re.search(rf'data-stat="{name}">([^<]*)<', response.content.decode())
    return match.group(1) if match else ""


def _money(response, name: str) -> str:
    match = re.search(rf'data-money="{name}">([^<]*)<', response.content.decode())
    return match.group(1) if match else ""


@pytest.fixture
def creator():
    return CreatorFactory()


@pytest.fixture
def creator_client(client, creator):
    client.force_login(creator.user)
    return client


def _sale(creator, *, quantity=2, price="20.00"):
    """One tag of the creator clicked twice, one impression, one paid order with its commission."""
    token = uuid.uuid4().hex
    now = timezone.now()
    tag, variant = tagged_variant(creator=creator, price=price)
    PostImpression.objects.create(post=tag.post, creator=creator, session_key=token)
    # Earlier today, even in the first hours of a day: the chart's last day counts them.
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    click(tag, at=max(now - timedelta(hours=2), midnight), session_key=token)
    click(tag, at=max(now - timedelta(hours=1), midnight), session_key=token)
    order = order_paid_at((variant, quantity), paid_at=now, token=token)
    record_order_commissions(order_id=order.pk)
    return tag, order


def test_the_page_shows_clicks_orders_sales_and_pending_commission(creator_client, creator):
    tag, _ = _sale(creator, quantity=2, price="20.00")

    response = creator_client.get(URL)

    assert response.status_code == 200
    assert (_stat(response, "impressions"), _stat(response, "clicks"), _stat(response, "orders")) == ("1", "2", "1")
    assert _stat(response, "add-to-carts") == "1"
    assert (_money(response, "pending"), _money(response, "payable"), _money(response, "paid")) == (
        "$4.00",
        "$0.00",
        "$0.00",
    )
    body = response.content.decode()
    assert tag.product.title in body
    assert "50.0 %" in body  # 1 order from 2 clicks


def test_payable_and_paid_commission_are_shown_apart(creator_client, creator):
    _sale(creator, quantity=1)  # 200 cents
    _sale(creator, quantity=3)  # 600 cents
    first, second = Commission.objects.order_by("pk")
    Commission.objects.filter(pk=first.pk).update(status="payable")
    Commission.objects.filter(pk=second.pk).update(status="paid")

    response = creator_client.get(URL)

    assert (_money(response, "pending"), _money(response, "payable"), _money(response, "paid")) == (
        "$0.00",
        "$2.00",
        "$6.00",
    )


def test_the_chart_is_an_accessible_svg_with_a_data_table(creator_client, creator):
    _sale(creator)

    body = creator_client.get(URL).content.decode()

    assert '<svg class="earnings-chart"' in body and 'role="img"' in body
    assert '<title id="chart-title">Your last 30 days</title>' in body
    assert "Daily tag clicks (2 in all), orders (1)" in body
    assert body.count("<polyline") == 3
    today = timezone.now().strftime("%b %d")
    assert re.search(rf"<th scope=\"row\">{today}</th><td>2</td><td>1</td><td>400</td>", body)
    assert "style=" not in body.split('<svg class="earnings-chart"')[1].split("</svg>")[0]


def test_another_creators_numbers_are_not_shown(creator_client, creator):
    other = CreatorFactory()
    tag, _ = _sale(other)

    response = creator_client.get(URL)

    assert (_stat(response, "clicks"), _stat(response, "orders")) == ("0", "0")
    assert tag.product.title not in response.content.decode()


def test_a_user_without_a_creator_profile_is_sent_to_apply(client):
    client.force_login(UserFactory())

    response = client.get(URL)

    assert response.status_code == 302 and response["Location"] == reverse("studio:apply")


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_pending_creator_does_not_see_earnings(client):
    pending = CreatorFactory(status=Creator.Status.PENDING)
    client.force_login(pending.user)

    response = client.get(URL)

    assert 'data-stat="clicks"' not in response.content.decode()


def test_the_page_makes_as_many_queries_for_many_posts_and_tags_as_for_one(
    creator_client, creator, get_counting_queries
):
    _sale(creator)
    creator_client.get(URL)
    _, one = get_counting_queries(creator_client, URL)
    for _ in range(4):
        post = VideoPostFactory(creator=creator)
        for _ in range(3):
            ProductTagFactory(post=post)
    _sale(creator)

    response, many = get_counting_queries(creator_client, URL)

    assert response.status_code == 200
    assert len(response.context["earnings"].posts) == 6
    assert many == one


def test_connect_payout_account_goes_to_onboarding_and_back(local_stripe, creator_client, creator):
    response = creator_client.post(reverse("earnings:payout-account"))

    assert response.status_code == 302
    onboarding = urlsplit(response["Location"]).path
    assert onboarding.startswith("/test-payments/connect/onboarding/")
    creator.refresh_from_db()
    assert creator.stripe_account_id.startswith("acct_") and not creator.payouts_enabled
    back = creator_client.post(onboarding)
    assert urlsplit(back["Location"]).path == reverse("earnings:payout-account-return")

    response = creator_client.get(urlsplit(back["Location"]).path, follow=True)

    creator.refresh_from_db()
    assert creator.payouts_enabled is True
    assert "Your payout account is connected" in response.content.decode()
    assert "Connect payout account" not in response.content.decode()
