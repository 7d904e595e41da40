"""Staff work consolidations from the admin: lanes edited with checked rules, the board per hub (open, closing
soon, on its way, held), closing early, pulling a held parcel out, the manifests; nobody else gets in."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import Consolidation, ConsolidationItem, Lane, MasterScan, Shipment, TrackingEvent
from fulfillment.services.consolidation import close_consolidation
from fulfillment.services.master_scans import record_master_scan, tender_consolidation
from fulfillment.tests.consolidation_helpers import hub, labelled_abroad, lane
from fulfillment.tests.shipping_helpers import T0
from marketplace.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
C = Consolidation.Status
M = MasterScan.Kind
BOARD_URL = "/admin/fulfillment/consolidation/board/"


def bare_consolidation(route: Lane, status: str, *, hours: float = 10, awb: str | None = None) -> Consolidation:
    """A consolidation row as the services leave it, without parcels (the board counts them, it does not list them)."""
    return Consolidation.objects.create(
        lane=route, status=status, cutoff_at=timezone.now() + dt.timedelta(hours=hours), parcel_count=3, awb=awb
    )


def held_master() -> tuple[Consolidation, Shipment]:
    lane()
    held, _other = labelled_abroad(), labelled_abroad()
    consolidation = Consolidation.objects.get()
    close_consolidation(consolidation_id=consolidation.pk)
    tender_consolidation(consolidation_id=consolidation.pk, at=T0)
    record_master_scan(consolidation_id=consolidation.pk, kind=M.ARRIVED, occurred_at=T0 + dt.timedelta(hours=8))
    record_master_scan(
        consolidation_id=consolidation.pk,
        kind=M.CUSTOMS_HELD,
        occurred_at=T0 + dt.timedelta(hours=9),
        held_tracking_numbers=[held.tracking_number],
        customs_reason=TrackingEvent.CustomsReason.DOCUMENTS_MISSING,
    )
    return consolidation, held


def test_the_board_shows_each_hub_with_open_closing_soon_moving_and_held(staff_client):
    route = lane()
    bare_consolidation(route, C.OPEN, hours=1)
    bare_consolidation(lane(code="US-DE", destination_countries="DE", origin_hub=route.origin_hub), C.OPEN, hours=20)
    bare_consolidation(route, C.DEPARTED, awb="176-00000011")
    bare_consolidation(lane(code="CN-US", origin_hub=hub(code="CN-HUB", country="CN")), C.OPEN)

    response = staff_client.get(BOARD_URL)
    page = response.content.decode()

    assert response.status_code == 200
    boards = response.context["boards"]
    assert [b.hub.code for b in boards] == sorted([route.origin_hub.code, "CN-HUB"])
    mine = next(b for b in boards if b.hub == route.origin_hub)
    assert (len(mine.closing_soon), len(mine.open), len(mine.moving), len(mine.held)) == (1, 1, 1, 0)
    assert 'data-section="Closing soon"' in page and "176-00000011" in page
    assert f'<a href="?hub={route.origin_hub.pk}">{route.origin_hub.code}</a>' in page
    one_hub = staff_client.get(BOARD_URL, {"hub": route.origin_hub.pk})
    assert [b.hub for b in one_hub.context["boards"]] == [route.origin_hub]
    assert f"<strong>{route.origin_hub.code}</strong>" in one_hub.content.decode()
    assert len(staff_client.get(BOARD_URL, {"hub": "9" * 40}).context["boards"]) == 2  # junk: every hub
    assert staff_client.get(BOARD_URL, {"hub": "x\x00" * 50}).status_code == 400


def test_the_board_takes_the_same_queries_for_one_consolidation_as_for_many(staff_client, get_counting_queries):
    route = lane()
    bare_consolidation(route, C.OPEN)
    staff_client.get(BOARD_URL)
    _, one = get_counting_queries(staff_client, BOARD_URL)
    for i in range(10):
        other = lane(code=f"L{i}", destination_countries="FR", origin_hub=hub(code=f"H{i}"))
        bare_consolidation(other, C.OPEN, hours=i)
        bare_consolidation(other, C.DEPARTED, awb=f"176-{i:07d}{i % 7}")
    _, many = get_counting_queries(staff_client, BOARD_URL)
    assert one == many


def test_staff_close_a_consolidation_early_from_the_board(staff_client):
    lane()
    shipment = labelled_abroad()
    consolidation = Consolidation.objects.get()

    response = staff_client.post(reverse("admin:fulfillment_consolidation_close", args=[consolidation.pk]))

    assert response.status_code == 302
    consolidation.refresh_from_db()
    assert consolidation.status == C.CLOSED and consolidation.close_reason == "early"
    change = staff_client.get(reverse("admin:fulfillment_consolidation_change", args=[consolidation.pk]))
    assert shipment.tracking_number in change.content.decode()
    csv_file = staff_client.get(reverse("admin:fulfillment_consolidation_manifest", args=[consolidation.pk, "csv"]))
    assert shipment.tracking_number in b"".join(csv_file.streaming_content).decode()
    pdf = staff_client.get(reverse("admin:fulfillment_consolidation_manifest", args=[consolidation.pk, "pdf"]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert (
        staff_client.get(
            reverse("admin:fulfillment_consolidation_manifest", args=[consolidation.pk, "exe"])
        ).status_code
        == 404
    )
    assert (
        staff_client.get(reverse("admin:fulfillment_consolidation_close", args=[consolidation.pk])).status_code == 405
    )


def test_staff_pull_a_held_parcel_out_from_the_board(staff_client):
    _, held = held_master()
    board = staff_client.get(BOARD_URL).content.decode()
    item = ConsolidationItem.objects.get(shipment=held)
    assert f"Held: {held.tracking_number}" in board and "Pull out" in board

    response = staff_client.post(reverse("admin:fulfillment_consolidation_pull_out", args=[item.pk]))

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.pulled_out_at is not None
    assert f"Pulled out: {held.tracking_number}" in staff_client.get(BOARD_URL).content.decode()
    other = ConsolidationItem.objects.exclude(pk=item.pk).get()
    refused = staff_client.post(reverse("admin:fulfillment_consolidation_pull_out", args=[other.pk]), follow=True)
    assert "Only a parcel held at import customs can be pulled out" in refused.content.decode()
    other.refresh_from_db()
    assert other.pulled_out_at is None


def test_a_lane_with_a_bad_rule_is_a_form_error_and_a_good_one_is_saved(staff_client):
    origin = hub()
    url = reverse("admin:fulfillment_lane_add")
    good = {
        "code": "US-FR",
        "name": "To France",
        "origin_hub": origin.pk,
        "destination_countries": "fr, be",
        "service": "postal",
        "is_active": "on",
        "departure_airport": "JFK",
        "airline_name": "Atlantic Cargo",
        "airline_prefix": "176",
        "flight_hours": 8,
        "import_gateway": "CDG",
        "import_gateway_city": "Paris",
        "last_mile_carrier": "La Poste",
        "last_mile_prefix": "lp",
        "cutoff_times": "17:00, 09:30",
        "hub_timezone": "America/New_York",
        "max_parcels": 500,
        "max_weight_grams": 400000,
    }
    for field, bad in (
        ("cutoff_times", "5pm"),
        ("hub_timezone", "Mars/Base"),
        ("airline_prefix", "17"),
        ("destination_countries", "France"),
        ("max_parcels", 0),
    ):
        response = staff_client.post(url, {**good, field: bad})
        assert response.status_code == 200 and field in response.context["adminform"].form.errors
    assert not Lane.objects.exists()

    assert staff_client.post(url, good).status_code == 302
    saved = Lane.objects.get()
    assert (saved.cutoff_times, saved.destinations, saved.last_mile_prefix) == ("09:30, 17:00", ["FR", "BE"], "LP")


def test_the_changelists_take_the_same_queries_for_one_row_as_for_thirty(assert_changelist_queries_constant):
    route = lane()
    made = iter(range(1000))

    def consolidations(n: int) -> None:
        for _ in range(n):
            bare_consolidation(route, C.DEPARTED, awb=f"176-{next(made):08d}")

    assert_changelist_queries_constant("/admin/fulfillment/consolidation/", consolidations)

    def lanes(n: int) -> None:
        for _ in range(n):
            i = next(made)
            lane(code=f"LANE{i}", origin_hub=hub(code=f"HB{i}"))

    assert_changelist_queries_constant("/admin/fulfillment/lane/", lanes)


def test_viewers_see_the_board_but_cannot_act_and_others_are_kept_out(client, user):
    consolidation, held = held_master()
    item = ConsolidationItem.objects.get(shipment=held)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_consolidation", content_type__app_label="fulfillment")
    )
    client.force_login(viewer)
    board = client.get(BOARD_URL)
    assert board.status_code == 200 and "Pull out" not in board.content.decode()
    assert client.post(reverse("admin:fulfillment_consolidation_pull_out", args=[item.pk])).status_code == 403

    client.force_login(UserFactory(is_staff=True))
    assert client.get(BOARD_URL).status_code == 403
    client.force_login(user)
    assert client.get(BOARD_URL).status_code == 302
    assert client.post(reverse("admin:fulfillment_consolidation_close", args=[consolidation.pk])).status_code == 302
    item.refresh_from_db()
    assert item.pulled_out_at is None


def test_the_admin_home_links_the_board(staff_client):
    assert BOARD_URL in staff_client.get(reverse("admin:index")).content.decode()


def test_staff_record_master_scans_with_admin_actions_once(staff_client):
    lane()
    shipment = labelled_abroad()
    consolidation = Consolidation.objects.get()
    changelist = reverse("admin:fulfillment_consolidation_changelist")
    staff_client.post(changelist, {"action": "record_departed", "_selected_action": [consolidation.pk]})
    consolidation.refresh_from_db()
    assert consolidation.status == C.OPEN and not MasterScan.objects.exists()  # still open: refused, said why

    for action in ("close_now", "tender", "record_departed", "record_departed", "record_arrived", "record_cleared"):
        response = staff_client.post(
            changelist, {"action": action, "_selected_action": [consolidation.pk]}, follow=True
        )
        assert response.status_code == 200
    consolidation.refresh_from_db()
    assert consolidation.status == C.CUSTOMS_CLEARED
    assert MasterScan.objects.filter(kind=M.DEPARTED, source=MasterScan.Source.STAFF).count() == 1
    assert TrackingEvent.objects.filter(shipment=shipment, status=TrackingEvent.Status.EXPORT_CLEARED).count() == 1
    staff_client.post(changelist, {"action": "split", "_selected_action": [consolidation.pk]})
    assert ConsolidationItem.objects.get(shipment=shipment).last_mile_tracking_number
