"""The earnings page in Chromium: the SVG chart renders under the site's CSP, the numbers are readable."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from creators.models import PostImpression
from creators.services.commissions import record_order_commissions
from creators.tests.factories import CreatorFactory
from creators.tests.money import click, order_paid_at, tagged_variant
from marketplace.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_creator_sees_the_chart_and_pending_commission(live_server, page):
    creator = CreatorFactory()
    token = uuid.uuid4().hex
    now = timezone.now()
    tag, variant = tagged_variant(creator=creator, price="20.00")
    PostImpression.objects.create(post=tag.post, creator=creator, session_key=token)
    click(tag, at=now - timedelta(hours=1), session_key=token)
    order = order_paid_at((variant, 2), paid_at=now, token=token)
    record_order_commissions(order_id=order.pk)

    page.goto(live_server.url + "/accounts/login/?next=/studio/earnings/")
    page.get_by_label("Username").fill(creator.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/studio/earnings/")

    assert page.get_by_role("img", name="Your last 30 days").is_visible()
    assert page.locator("[data-money=pending]").inner_text() == "$4.00"
    assert page.get_by_role("button", name="Connect payout account").is_visible()
