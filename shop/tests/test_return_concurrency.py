"""Two tabs ask to return the last returnable unit at the same moment, for real, on PostgreSQL with threads."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection
from django.db.models import Sum

from shop.models import ReturnLine, ReturnRequest
from shop.services.returns import ReturnNotAllowed, request_return, returnable_lines
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_requests_for_the_last_returnable_unit_at_once_one_wins(delivered_order):
    order = delivered_order  # 2 x tea delivered
    request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")  # one tea already on its way back
    tabs = 2
    barrier = Barrier(tabs)

    def ask(reason: str):
        try:
            barrier.wait()
            return request_return(order=order, lines=[(order.tea.pk, 1)], reason=reason).number
        except ReturnNotAllowed as error:
            return (error.code, error.field)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=tabs) as pool:
        results = list(pool.map(ask, ["changed_mind", "arrived_late"]))

    won = [result for result in results if isinstance(result, str)]
    assert len(won) == 1
    assert results.count(("exceeds_returnable", "lines")) == 1
    assert sorted(ReturnRequest.objects.filter(order=order).values_list("number", flat=True)) == [
        f"{order.number}-R1",
        f"{order.number}-R2",
    ]
    assert won == [f"{order.number}-R2"]
    claimed = ReturnLine.objects.filter(order_line=order.tea).aggregate(units=Sum("quantity"))["units"]
    assert claimed == order.tea.quantity == 2
    tea = next(row for row in returnable_lines(order=order) if row.line.pk == order.tea.pk)
    assert (tea.returnable, tea.why_not) == (0, "Already returned or refunded.")
