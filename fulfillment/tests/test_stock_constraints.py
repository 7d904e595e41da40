import pytest
from django.db import IntegrityError, transaction

from fulfillment.models import Stock
from fulfillment.tests.factories import WarehouseFactory
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("quantity", "allocated"),
    [(-1, 0), (5, -1), (5, 6)],
    ids=["negative-quantity", "negative-allocated", "allocated-above-quantity"],
)
def test_the_database_refuses_impossible_stock(quantity, allocated):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.create(
            warehouse=WarehouseFactory(), variant=VariantFactory(), quantity=quantity, quantity_allocated=allocated
        )


def test_one_stock_row_per_warehouse_and_variant():
    warehouse, variant = WarehouseFactory(), VariantFactory()
    Stock.objects.create(warehouse=warehouse, variant=variant, quantity=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.create(warehouse=warehouse, variant=variant, quantity=2)
