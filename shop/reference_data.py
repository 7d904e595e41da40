"""The shop's dated rule tables read through the cache: tax, duty, de minimis, exchange rates, free-shipping
thresholds (`RATES_VERSION`), and the categories' tree with the take rates and pick-and-pack fees (`FEES_VERSION`).

They change a few times a year and every checkout and paid order reads them. Each loader caches every row of its
table (all dates) under the table's version (`marketplace.fragments`), bumped on commit by every writer: model
saves and deletes (the admin's, the services', the seed's) through the signals below, and migrations (which load
rows through historical models, no signals) on `post_migrate`. The choice by date is made per call, in Python, by
the caller: a row that takes effect at midnight applies at midnight, without a write. A write that sends no
signal (`update()`, `bulk_create`, raw SQL) must call `bump_version` with the table's version itself.
"""

from django.db.models.signals import post_delete, post_migrate, post_save

from marketplace.fragments import bump_version
from shop.models import (
    Category,
    DeMinimis,
    DutyRate,
    ExchangeRate,
    FreeShippingThreshold,
    FulfillmentFee,
    TakeRate,
    TaxRate,
)

RATES_VERSION = "shop-rates"  # duty, tax, de minimis, exchange rates, free-shipping thresholds
FEES_VERSION = "seller-fees"  # categories' parents, take rates, pick-and-pack fees


def _rates_changed(sender, **kwargs) -> None:
    bump_version(RATES_VERSION)


def _fees_changed(sender, **kwargs) -> None:
    bump_version(FEES_VERSION)


def _migrated(sender, **kwargs) -> None:
    # Migrations add rows through historical models, which send no save signals.
    bump_version(RATES_VERSION)
    bump_version(FEES_VERSION)


for _model, _receiver in (
    *((model, _rates_changed) for model in (DutyRate, TaxRate, DeMinimis, ExchangeRate, FreeShippingThreshold)),
    *((model, _fees_changed) for model in (Category, TakeRate, FulfillmentFee)),
):
    post_save.connect(_receiver, sender=_model, dispatch_uid=f"reference-version-save-{_model.__name__}")
    post_delete.connect(_receiver, sender=_model, dispatch_uid=f"reference-version-delete-{_model.__name__}")
post_migrate.connect(_migrated, dispatch_uid="reference-version-migrated")
