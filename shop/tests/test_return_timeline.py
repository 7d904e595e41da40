"""A return's steps on the order's timeline, in words, and each return's own lines of it."""

import pytest

from shop.models import OrderEvent
from shop.order_timeline import RETURN_KINDS, SENTENCES, describe, return_timelines

K = OrderEvent.Kind
NUMBER = "MK-AAAA-BBBB-R1"


def words(kind: str, **params) -> str:
    return describe(OrderEvent(kind=kind, params={"return": NUMBER, **params}))


@pytest.mark.parametrize(
    ("kind", "params", "expected"),
    [
        (
            K.RETURN_REQUESTED,
            {"reason": "Doesn't fit", "units": 2},
            f"Return {NUMBER} requested: 2 unit(s), doesn't fit.",
        ),
        (K.RETURN_APPROVED, {}, f"Return {NUMBER} approved: send it back with the free label."),
        (K.RETURN_REJECTED, {"message": "Worn."}, f"Return {NUMBER} not accepted: Worn."),
        (K.RETURN_REJECTED, {}, f"Return {NUMBER} not accepted."),
        (
            K.RETURN_LABEL_READY,
            {"tracking": "9200190000000100000015"},
            f"Return {NUMBER}: the free label is ready (tracking number 9200190000000100000015).",
        ),
        (K.RETURN_LABEL_READY, {"tracking": ""}, f"Return {NUMBER}: the free label is ready."),
        (K.RETURN_IN_TRANSIT, {}, f"Return {NUMBER} is on its way back."),
        (K.RETURN_IN_TRANSIT, {"tracking": "1Z999"}, f"Return {NUMBER} is on its way back (tracking number 1Z999)."),
        (K.RETURN_RECEIVED, {}, f"Return {NUMBER} arrived at our returns centre."),
        (
            K.RETURN_INSPECTED,
            {"accepted": 2, "missing": 0, "note": ""},
            f"Return {NUMBER} inspected: 2 unit(s) accepted.",
        ),
        (
            K.RETURN_INSPECTED,
            {"accepted": 1, "missing": 1, "note": "1 unit(s) announced but not in the parcel."},
            f"Return {NUMBER} inspected: 1 unit(s) accepted, 1 missing (1 unit(s) announced but not in the parcel).",
        ),
        (
            K.RETURN_REFUNDED_WITHOUT_RETURN,
            {"message": "Keep it."},
            f"Return {NUMBER} refunded: keep the item, no need to send it back: Keep it.",
        ),
        (K.RETURN_EXPIRED, {}, f"Return {NUMBER} expired: it was not sent by its date."),
        (K.RETURN_REMINDER, {}, f"Return {NUMBER}: reminder sent, the label is not used yet."),
        (K.RETURNS_PROGRESS, {"units": 3}, "3 returned unit(s) accepted so far."),
    ],
)
def test_each_return_step_is_said_in_words(kind, params, expected):
    assert words(kind, **params) == expected


def test_every_return_kind_has_its_sentence():
    return_kinds = {kind for kind in K if kind.value.startswith("return")}

    assert return_kinds == set(RETURN_KINDS)
    assert all(SENTENCES[kind] for kind in return_kinds)


def test_a_missing_parameter_leaves_a_gap_not_an_error():
    assert describe(OrderEvent(kind=K.RETURN_REQUESTED, params={})) == "Return  requested:  unit(s), ."


@pytest.mark.django_db
def test_each_return_gets_its_own_steps_and_emails_from_the_orders_timeline():
    from shop.tests.test_order_pages import an_order

    order = an_order()
    for kind, params in [
        (K.RETURN_REQUESTED, {"return": "R1", "reason": "Doesn't fit", "units": 1}),
        (K.RETURN_REQUESTED, {"return": "R2", "reason": "Arrived damaged", "units": 1}),
        (K.EMAIL_SENT, {"email": "return_requested", "about": 2, "email_label": "Return request received"}),
        (K.EMAIL_SENT, {"email": "shipment_shipped", "about": 1, "email_label": "Shipment 1 is on its way"}),
        (K.RETURN_APPROVED, {"return": "R1"}),
        (K.RETURNS_PROGRESS, {"units": 1}),
    ]:
        OrderEvent.objects.create(order=order, kind=kind, params=params)

    found = return_timelines(order, numbers={1: "R1", 2: "R2"})

    assert [entry.text for entry in found["R1"]] == [
        "Return R1 requested: 1 unit(s), doesn't fit.",
        "Return R1 approved: send it back with the free label.",
    ]
    assert [entry.text for entry in found["R2"]] == [
        "Return R2 requested: 1 unit(s), arrived damaged.",
        "Return request received: email sent.",
    ]
