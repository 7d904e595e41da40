"""The versions product lists are cached under (home, category, search, `/api/v1/products/`).

A list shows products, their variants' prices, their first photos, sellers, categories, ratings and stock,
and (sorted by best-selling) what was sold. Each write to those bumps a version (`marketplace.fragments`):
model saves and deletes through the signals below (the admin's, the services', the seed's), the writes
that go around them (`update()`: ratings, image order, renditions) through the shop's `product_shown_changed`
signal they already send for creators' post bodies, or `catalog_changed`; stock through the stock service
(`fulfillment.selectors.AVAILABILITY_VERSION`). A list is then read from the cache under the versions it
depends on, so the next request after any change a shopper could see builds it afresh.
"""

from django.db.models.signals import post_delete, post_save

from fulfillment.selectors import AVAILABILITY_VERSION
from marketplace.fragments import bump_version, current_versions
from shop.models import Category, Order, Product, ProductImage, Seller, Variant
from shop.signals import product_shown_changed

CATALOG_VERSION = "catalog"  # products, variants, images, sellers, categories, ratings
SALES_VERSION = "sales"  # orders (the best-selling order)
BEST_SELLING = "best_selling"


def catalog_changed() -> None:
    """Call after a write that no save signal sees (`update()` of products, images, ratings)."""
    bump_version(CATALOG_VERSION)


def list_versions(*, sort: str = "") -> tuple[str, ...]:
    """The versions of a product list sorted by `sort` (one cache read): catalog and stock, and sales when
    sorted by best-selling."""
    if sort == BEST_SELLING:
        return current_versions(CATALOG_VERSION, AVAILABILITY_VERSION, SALES_VERSION)
    return current_versions(CATALOG_VERSION, AVAILABILITY_VERSION)


def _catalog_saved(sender, **kwargs) -> None:
    catalog_changed()


def _order_saved(sender, **kwargs) -> None:
    bump_version(SALES_VERSION)


for _model in (Product, Variant, ProductImage, Seller, Category):
    post_save.connect(_catalog_saved, sender=_model, dispatch_uid=f"catalog-version-save-{_model.__name__}")
    post_delete.connect(_catalog_saved, sender=_model, dispatch_uid=f"catalog-version-delete-{_model.__name__}")
post_save.connect(_order_saved, sender=Order, dispatch_uid="catalog-version-order-saved")
product_shown_changed.connect(_catalog_saved, dispatch_uid="catalog-version-product-shown-changed")
