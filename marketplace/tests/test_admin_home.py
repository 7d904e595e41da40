"""The admin home leads staff to the pages they work from that are not model lists (the work queues)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from marketplace.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WORK_QUEUES_LINK = f'<a href="{reverse("admin:fulfillment_work_queues")}">Fulfillment work queues</a>'


def test_the_admin_home_links_the_fulfillment_work_queues(staff_client):
    home = staff_client.get(reverse("admin:index"))
    fulfillment = staff_client.get(reverse("admin:app_list", args=["fulfillment"]))
    shop = staff_client.get(reverse("admin:app_list", args=["shop"]))

    assert home.status_code == fulfillment.status_code == 200
    assert WORK_QUEUES_LINK in home.content.decode()
    assert WORK_QUEUES_LINK in fulfillment.content.decode()
    assert WORK_QUEUES_LINK not in shop.content.decode()
    assert staff_client.get(reverse("admin:fulfillment_work_queues")).status_code == 200


def test_staff_who_cannot_work_the_warehouse_are_not_sent_to_the_queues(client):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_order", content_type__app_label="shop"))
    client.force_login(clerk)

    home = client.get(reverse("admin:index"))

    assert home.status_code == 200
    assert "Fulfillment work queues" not in home.content.decode()
