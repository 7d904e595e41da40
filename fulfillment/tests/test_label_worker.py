"""Labels bought by a real Celery worker on Redis and PostgreSQL, from the `labels` queue."""

import pytest

from conftest import wait_until, worker_idle
from fulfillment.models import IssuedTrackingNumber, Shipment, ShippingLabel
from fulfillment.tasks.labels import buy_label_task
from fulfillment.tests.shipping_helpers import packed_shipment
from marketplace.celery import app as celery_app

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_buys_each_label_once_however_often_it_is_queued(celery_worker_process):
    shipments = [packed_shipment(), packed_shipment(parcels=2)]
    celery_app.conf.task_always_eager = False

    for shipment in shipments:
        for _ in range(3):
            buy_label_task.delay(shipment.pk)
    wait_until(lambda: ShippingLabel.objects.count() == 2, timeout=60, what="two labels")
    wait_until(lambda: worker_idle("labels"), timeout=60, what="the worker to finish every queued task")

    assert set(Shipment.objects.values_list("status", flat=True)) == {"labelled"}
    assert ShippingLabel.objects.count() == 2
    # One number per parcel is live; any bought by a losing duplicate was voided with the carrier.
    live = set(IssuedTrackingNumber.objects.filter(voided_at__isnull=True).values_list("tracking_number", flat=True))
    parcels = set(Shipment.objects.values_list("parcels__tracking_number", flat=True))
    assert live == parcels and len(live) == 3
    assert all(label.pdf.storage.exists(label.pdf.name) for label in ShippingLabel.objects.all())
