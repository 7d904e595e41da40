"""Work a request starts after saving goes through the outbox: a broker outage delays it and fails nothing.

Before the outbox, an upload answered 500 with its row and file already saved (so a client retrying made
duplicates), and the renditions were never made.
"""

import pytest
from kombu.exceptions import OperationalError as BrokerDown

from marketplace import outbox
from marketplace.models import OutboxEvent
from shop.tests.factories import ProductFactory, image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox.run_event_handler, "apply_async", refuse)
    return monkeypatch


def test_an_image_uploaded_while_the_broker_is_down_is_saved_once_and_its_renditions_follow(
    seller_api_client, broker_down, django_capture_on_commit_callbacks, deliver_events
):
    product = ProductFactory(seller=seller_api_client.seller, title="Vase")

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_api_client.post(
            f"/api/v1/seller/products/{product.pk}/images/", {"image": image_upload()}, format="multipart"
        )

    assert response.status_code == 201
    image = product.images.get()
    assert image.renditions == {}
    assert OutboxEvent.objects.get().dispatched_at is None

    broker_down.undo()  # the broker is back: the sweep (here, at once) hands the work over
    deliver_events()

    image.refresh_from_db()
    assert sorted(image.renditions) == ["jpeg", "webp"]
    assert product.images.count() == 1
