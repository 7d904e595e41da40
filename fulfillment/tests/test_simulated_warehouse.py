"""The demo's SIMULATED warehouse crew: a paid order is picked, packed, labelled and carried to delivery unattended."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from fulfillment.models import PickList, Shipment, ShippingLabel, TrackingEvent
from fulfillment.tests.factories import BoxFactory, WarehouseFactory, stock_of
from shop.models import Order
from shop.services.order_fulfillment import announce_paid
from shop.tests.factories import ProductFactory, VariantFactory, paid_order

pytestmark = pytest.mark.django_db


def _paid_order_in_stock(django_capture_on_commit_callbacks) -> Order:
    warehouse = WarehouseFactory(postal_code="07102")
    BoxFactory(warehouse=warehouse, code="M", tare_weight_grams=150)
    product = ProductFactory(status="active", weight_grams=300, length_mm=200, width_mm=100, height_mm=50)
    variant = VariantFactory(product=product)
    stock_of(variant, warehouse, quantity=5)
    with django_capture_on_commit_callbacks(execute=True):  # order_paid -> allocation (eager)
        order = paid_order((variant, 2))
        announce_paid(order)
    return order


def test_the_crew_picks_packs_and_labels_then_the_network_delivers(settings, django_capture_on_commit_callbacks):
    settings.FULFILLMENT_SIMULATE_WAREHOUSE = True
    order = _paid_order_in_stock(django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):  # the crew packs; the label is bought on commit
        call_command("simulate_carriers", stdout=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):  # later ticks: the network carries it
        call_command("simulate_carriers", "--until-delivered", "--seed", "3", stdout=io.StringIO())

    shipment = Shipment.objects.get(fulfillment_order__order=order.pk)
    assert PickList.objects.count() == 1
    assert shipment.status == Shipment.Status.DELIVERED
    assert shipment.parcels.get().box.code == "M"
    assert shipment.parcels.get().weight_grams == 2 * 300 + 150
    assert ShippingLabel.objects.get(shipment=shipment, voided_at__isnull=True).tracking_number
    statuses = list(TrackingEvent.objects.filter(shipment=shipment).values_list("status", flat=True))
    assert statuses[0] == "label_created" and statuses[-1] == "delivered"
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    assert any("delivered" in message.subject.lower() for message in mail.outbox)


def test_with_the_crew_off_orders_wait_for_staff(settings, django_capture_on_commit_callbacks):
    settings.FULFILLMENT_SIMULATE_WAREHOUSE = False
    order = _paid_order_in_stock(django_capture_on_commit_callbacks)

    call_command("simulate_carriers", "--until-delivered", stdout=io.StringIO())

    assert not Shipment.objects.filter(fulfillment_order__order=order.pk).exists()
    assert not PickList.objects.exists()
