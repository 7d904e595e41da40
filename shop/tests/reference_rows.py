"""The rows migrations load into every database (landed-cost tables, SDR rates, free-shipping thresholds).

A transactional test (`django_db(transaction=True)`) empties every table when it ends, these rows included;
`load_reference_rows` puts them back (adding only what is missing), so the next test starts as migrated.
"""

from importlib import import_module

from shop.landed_cost_tables import load_landed_cost_tables


def load_reference_rows(apps) -> None:
    load_landed_cost_tables(apps)
    import_module("shop.migrations.0011_sdr_exchange_rates").add_sdr_rates(apps, None)
    import_module("shop.migrations.0012_free_shipping_thresholds").add_thresholds(apps, None)
    import_module("shop.migrations.0014_seller_fee_schedule").add_fee_schedule(apps, None)
