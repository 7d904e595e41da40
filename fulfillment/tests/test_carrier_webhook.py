"""POST /carriers/webhook/<carrier>/: HMAC-signed, replay-proof, checked before anything is stored."""

import datetime as dt
import json
import time

import pytest

from fulfillment.models import Shipment, TrackingEvent
from fulfillment.tests.shipping_helpers import T0, labelled_shipment, signed_post

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_ground"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.CARRIER_WEBHOOK_SECRETS = {"domestic_ground": SECRET}


def event(shipment, status="picked_up", minutes=10, **extra):
    return {
        "tracking_number": shipment.tracking_number,
        "status": status,
        "occurred_at": (T0 + dt.timedelta(minutes=minutes)).isoformat(),
        "location": "Newark, NJ",
        **extra,
    }


def scans(shipment) -> list[str]:
    return list(shipment.tracking_events.exclude(status="label_created").values_list("status", flat=True))


def test_a_signed_list_of_events_is_stored_and_moves_the_shipment(client, django_capture_on_commit_callbacks):
    shipment = labelled_shipment()
    body = [event(shipment), event(shipment, "at_sorting_facility", 60, stage="line_haul")]

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(client, "domestic_ground", body, SECRET)

    assert response.status_code == 200
    assert response.json() == {"received": 2, "stored": 2, "duplicates": 0, "ignored": []}
    assert scans(shipment) == ["picked_up", "at_sorting_facility"]
    assert Shipment.objects.get(pk=shipment.pk).status == "in_transit"
    assert set(TrackingEvent.objects.exclude(status="label_created").values_list("source", flat=True)) == {"carrier"}


def test_one_event_as_an_object_and_its_redelivery_is_a_duplicate(client):
    shipment = labelled_shipment()

    first = signed_post(client, "domestic_ground", event(shipment), SECRET)
    again = signed_post(client, "domestic_ground", event(shipment), SECRET)

    assert first.json()["stored"] == 1
    assert again.status_code == 200 and again.json() == {"received": 1, "stored": 0, "duplicates": 1, "ignored": []}
    assert scans(shipment) == ["picked_up"]


@pytest.mark.parametrize(
    ("how", "kwargs"),
    [
        ("wrong secret", {"secret": "not-the-secret"}),
        ("stale timestamp", {"timestamp": int(time.time()) - 301}),
        ("changed body", {"tamper": True}),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_is_stored(client, how, kwargs):
    shipment = labelled_shipment()
    secret = kwargs.pop("secret", SECRET)

    response = signed_post(client, "domestic_ground", [event(shipment, "delivered")], secret, **kwargs)

    assert response.status_code == 400, how
    assert response.json()["code"] == "invalid_signature"
    assert scans(shipment) == [] and Shipment.objects.get(pk=shipment.pk).status == "labelled"


def test_a_missing_signature_is_refused(client):
    shipment = labelled_shipment()

    response = client.post(
        "/carriers/webhook/domestic_ground/", data=json.dumps(event(shipment)), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_signature",
        "message": "The Carrier-Signature header is missing.",
        "fields": {},
    }
    assert scans(shipment) == []


def test_a_malformed_event_names_its_field_and_stores_none_of_the_batch(client):
    shipment = labelled_shipment()
    body = [event(shipment), event(shipment, "teleported"), {**event(shipment), "occurred_at": "yesterday"}]

    response = signed_post(client, "domestic_ground", body, SECRET)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == {"events[1].status", "events[2].occurred_at"}
    assert scans(shipment) == []


def test_a_body_that_is_not_json_is_refused(client):
    from fulfillment.webhooks import sign

    raw = b"not json"
    response = client.post(
        "/carriers/webhook/domestic_ground/",
        data=raw,
        content_type="application/json",
        headers={"Carrier-Signature": sign(raw, SECRET)},
    )

    assert response.status_code == 400 and response.json()["fields"] == {"body": ["Not valid JSON."]}


def test_unknown_numbers_and_other_carriers_numbers_are_accepted_and_ignored(client):
    shipment = labelled_shipment()
    body = [{**event(shipment), "tracking_number": "9200000000000000000000"}, event(shipment)]
    Shipment.objects.filter(pk=shipment.pk).update(carrier="domestic_express")  # not this carrier's shipment

    response = signed_post(client, "domestic_ground", body, SECRET)

    assert response.status_code == 200
    assert response.json()["ignored"] == ["9200000000000000000000", shipment.tracking_number]
    assert scans(shipment) == []


def test_a_carrier_without_a_secret_is_not_found_and_get_is_not_allowed(client):
    response = signed_post(client, "nobody", [], SECRET)

    assert response.status_code == 404 and response.json()["code"] == "unknown_carrier"
    assert client.get("/carriers/webhook/domestic_ground/").status_code == 405


def test_carriers_need_no_csrf_token():
    from django.test import Client

    shipment = labelled_shipment()

    response = signed_post(Client(enforce_csrf_checks=True), "domestic_ground", event(shipment), SECRET)

    assert response.status_code == 200 and scans(shipment) == ["picked_up"]
