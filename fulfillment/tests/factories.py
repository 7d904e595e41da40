import factory

from fulfillment.models import Box, Stock, Warehouse
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


class BoxFactory(factory.django.DjangoModelFactory):
    """A medium carton of a warehouse's box catalogue; tests override the size that matters to them."""

    class Meta:
        model = Box

    warehouse = factory.SubFactory(WarehouseFactory)
    code = "M"
    name = "Medium carton"
    inner_length_mm = 400
    inner_width_mm = 300
    inner_height_mm = 200
    max_weight_grams = 10_000
    tare_weight_grams = 0


def stock_of(variant, warehouse: Warehouse | None = None, quantity: int = 10) -> Stock:
    """Put units of a variant in a warehouse through the stock service, as staff would."""
    return set_stock_quantity(warehouse=warehouse or WarehouseFactory(), variant_id=variant.pk, quantity=quantity)
