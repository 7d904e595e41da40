import factory

from fulfillment.models import Stock, Warehouse
from fulfillment.services.stock import set_stock_quantity


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"WH{n:03d}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    address_line1 = "1 Dock Road"
    city = "Newark"
    postal_code = "07102"
    country = "US"


def stock_of(variant, warehouse: Warehouse | None = None, quantity: int = 10) -> Stock:
    """Put units of a variant in a warehouse through the stock service, as staff would."""
    return set_stock_quantity(warehouse=warehouse or WarehouseFactory(), variant_id=variant.pk, quantity=quantity)
