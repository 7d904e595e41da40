"""Who runs a warehouse: ours (staff count its stock) or a seller's (that seller counts it)."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse

from fulfillment.models import Warehouse
from fulfillment.tests.factories import WarehouseFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("fulfillment.migrations.0014_existing_warehouses_run_by_network")


def test_a_warehouse_is_ours_unless_a_seller_is_named():
    ours, theirs = WarehouseFactory(), WarehouseFactory(operator=Warehouse.Operator.SELLER, operator_seller_id=7)

    assert ours.run_by_network and not ours.counted_by_seller(7)
    assert theirs.counted_by_seller(7) and not theirs.counted_by_seller(8)
    with pytest.raises(IntegrityError), transaction.atomic():
        WarehouseFactory(operator=Warehouse.Operator.SELLER)  # whose?
    with pytest.raises(IntegrityError), transaction.atomic():
        WarehouseFactory(operator_seller_id=7)  # ours, yet a seller's?


def test_the_data_migration_leaves_every_existing_warehouse_ours_and_a_sellers_as_it_is():
    newark, hub = WarehouseFactory(), WarehouseFactory(kind=Warehouse.Kind.CONSOLIDATION_HUB)
    garage = WarehouseFactory(operator=Warehouse.Operator.SELLER, operator_seller_id=3)

    migration.run_by_network(apps, None)

    assert dict(Warehouse.objects.values_list("pk", "operator")) == {
        newark.pk: "network",
        hub.pk: "network",
        garage.pk: "seller",
    }


def test_staff_are_told_a_seller_run_warehouse_needs_its_seller(staff_client):
    warehouse = WarehouseFactory(code="KR-SEL1")
    url = reverse("admin:fulfillment_warehouse_change", args=[warehouse.pk])
    data = {
        "code": "KR-SEL1", "name": "Glow studio", "kind": "fulfillment_centre", "priority": "0", "is_active": "on",
        "operator": "seller", "operator_seller_id": "", "address_line1": "1 Road", "city": "Seoul",
        "postal_code": "04524", "country": "KR",
        "stocks-TOTAL_FORMS": "0", "stocks-INITIAL_FORMS": "0",
    }  # fmt: skip

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "A warehouse a seller runs needs that seller&#x27;s id; one of ours has none." in response.content.decode()
    assert Warehouse.objects.get(pk=warehouse.pk).operator == "network"
