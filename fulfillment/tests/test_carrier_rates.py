import datetime as dt
from decimal import Decimal

import pytest

from fulfillment.carriers import rates
from fulfillment.carriers.base import (
    Address,
    Carrier,
    Label,
    LabelAlreadyVoided,
    Parcel,
    Rate,
    ServiceUnavailable,
    ShipmentSpec,
    TrackingStatus,
    UnknownCarrier,
    UnknownTrackingNumber,
    all_carriers,
    cheapest_rate,
    get_carrier,
    quote_all,
)
from fulfillment.carriers.builtin import DomesticExpress, DomesticGround, InMemoryLabelStore, InternationalPostal
from fulfillment.carriers.tracking_numbers import is_valid_impb, is_valid_s10

SF = Address("Shop", "1 Main St", "San Francisco", "94103", "US", state="CA")
LA = Address("Ann", "2 Sunset Blvd", "Los Angeles", "90001", "US", state="CA")
NY = Address("Jane Doe", "5 Elm St", "New York", "10001", "US", state="NY")
LONDON = Address("John Smith", "1 High St", "London", "SW1A 1AA", "GB")
NOWHERE = Address("Kim", "1 Road", "Ulaanbaatar", "14200", "MN")
FIXED_NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)


def spec(to=NY, *parcels, promised_days=None):
    return ShipmentSpec(SF, to, parcels or (Parcel(1200),), reference="ORD-1001", promised_days=promised_days)


# --- zones and tables ------------------------------------------------------------------------


def test_domestic_zone_from_first_postal_digits():
    assert rates.domestic_zone("94103", "90001") == 1
    assert rates.domestic_zone("94103", "60601") == 4
    assert rates.domestic_zone("94103", "10001") == 8
    assert rates.domestic_zone("94103", "K1A 0B1") == 8  # no leading digit: farthest zone


def test_international_zone_by_country_with_default():
    assert rates.international_zone("CA") == 1
    assert rates.international_zone("gb") == 2
    assert rates.international_zone("MN") == 5  # not listed: the "*" zone


def test_price_picks_the_first_weight_break_at_or_above_the_weight():
    ground = rates.load_table("domestic_ground")
    assert ground.price(zone=1, weight_grams=500) == Decimal("5.80")
    assert ground.price(zone=1, weight_grams=501) == Decimal("6.20")
    assert ground.price(zone=8, weight_grams=1200) == Decimal("11.83")
    assert ground.price(zone=8, weight_grams=30_001) is None
    assert ground.price(zone=9, weight_grams=100) is None


def test_tables_are_loaded_once():
    assert rates.load_table("intl_postal") is rates.load_table("intl_postal")


def test_shipment_price_sums_parcels():
    shipment = spec(NY, Parcel(1200), Parcel(400))
    assert rates.shipment_price("domestic_ground", shipment) == Decimal("11.83") + Decimal("9.37")


def test_express_charges_volumetric_weight_ground_does_not():
    light_and_bulky = Parcel(500, length_mm=400, width_mm=300, height_mm=200)  # 24e6 mm3 / 5000 = 4800 g
    assert rates.billable_weight_grams(light_and_bulky, "domestic_ground") == 500
    assert rates.billable_weight_grams(light_and_bulky, "domestic_express") == 4800
    shipment = spec(LA, light_and_bulky)
    assert rates.shipment_price("domestic_express", shipment) == rates.load_table("domestic_express").price(
        zone=1, weight_grams=5000
    )


def test_domestic_tables_refuse_international_and_vice_versa():
    assert rates.shipment_price("domestic_ground", spec(LONDON)) is None
    assert rates.shipment_price("intl_postal", spec(NY)) is None


# --- quotes and the cheapest rate that meets the promise -------------------------------------


def test_domestic_quote_from_builtins():
    quotes = {(r.carrier, r.service): r for r in quote_all(spec(NY))}
    assert set(quotes) == {("domestic_ground", "ground"), ("domestic_express", "express")}
    ground = quotes[("domestic_ground", "ground")]
    assert (ground.amount, ground.currency, ground.days_min, ground.days_max) == (Decimal("11.83"), "USD", 4, 7)
    assert quotes[("domestic_express", "express")].days_max == 2


def test_international_quote_from_builtins():
    quotes = {r.carrier: r for r in quote_all(spec(LONDON, Parcel(800)))}
    assert set(quotes) == {"intl_postal", "intl_express"}
    assert quotes["intl_postal"].amount == Decimal("22.00")
    assert (quotes["intl_postal"].days_min, quotes["intl_postal"].days_max) == (5, 9)
    assert quotes["intl_express"].days_max == 3


def test_too_heavy_for_postal_leaves_express_only():
    quotes = quote_all(spec(LONDON, Parcel(25_000)))
    assert [r.carrier for r in quotes] == ["intl_express"]


def rate(carrier, amount, days_max):
    return Rate(carrier, "s", Decimal(amount), "USD", 1, days_max)


def test_cheapest_rate_that_meets_the_promised_days():
    rates_ = [rate("slow", "5.00", 7), rate("mid", "9.00", 3), rate("fast", "20.00", 1)]
    assert cheapest_rate(rates_, 10).carrier == "slow"
    assert cheapest_rate(rates_, 7).carrier == "slow"
    assert cheapest_rate(rates_, 3).carrier == "mid"
    assert cheapest_rate(rates_, 1).carrier == "fast"
    assert cheapest_rate(rates_, 0) is None
    assert cheapest_rate(rates_, None).carrier == "slow"
    assert cheapest_rate([], 5) is None


def test_price_tie_goes_to_the_faster_rate():
    assert cheapest_rate([rate("a", "9.00", 5), rate("b", "9.00", 2)], 5).carrier == "b"


def test_carrier_choice_for_a_real_shipment():
    assert cheapest_rate(quote_all(spec(NY)), 7).carrier == "domestic_ground"
    assert cheapest_rate(quote_all(spec(NY)), 2).carrier == "domestic_express"
    assert cheapest_rate(quote_all(spec(LONDON)), 4).carrier == "intl_express"
    assert cheapest_rate(quote_all(spec(NOWHERE)), 20).carrier == "intl_postal"


# --- registry ------------------------------------------------------------------------------


class FlatRateCarrier(Carrier):
    code = "flat"
    name = "Flat"

    def __init__(self, **options):
        self.options = options

    def quote(self, shipment):
        return [Rate(self.code, "flat", Decimal("1.00"), "USD", 9, 9)]

    def buy_label(self, shipment, service):
        return Label(self.code, service, "X", b"", "")

    def void_label(self, tracking_number):
        return None

    def track(self, tracking_number):
        return []


def test_builtins_without_setting():
    assert [c.code for c in all_carriers()] == ["domestic_ground", "domestic_express", "intl_postal", "intl_express"]
    assert isinstance(get_carrier("intl_postal"), InternationalPostal)


def test_carriers_from_settings(settings):
    settings.FULFILLMENT_CARRIERS = [
        "fulfillment.carriers.builtin.DomesticGround",
        "fulfillment.tests.test_carrier_rates.FlatRateCarrier",
    ]
    assert [c.code for c in all_carriers()] == ["domestic_ground", "flat"]
    assert get_carrier("flat", region="eu").options == {"region": "eu"}
    with pytest.raises(UnknownCarrier):
        get_carrier("intl_postal")
    assert cheapest_rate(quote_all(spec(NY)), 10).carrier == "flat"


def test_unknown_carrier():
    with pytest.raises(UnknownCarrier):
        get_carrier("pigeon")


# --- built-in labels: buy, void, track -------------------------------------------------------


@pytest.fixture
def store():
    return InMemoryLabelStore()


def test_domestic_label_has_one_impb_number_per_parcel(store):
    carrier = DomesticExpress(store=store, now=lambda: FIXED_NOW)
    label = carrier.buy_label(spec(NY, Parcel(1000), Parcel(2000)), "express")
    assert label.tracking_number == label.parcel_tracking_numbers[0]
    assert len(set(label.parcel_tracking_numbers)) == 2
    assert all(is_valid_impb(n) for n in label.parcel_tracking_numbers)
    assert label.pdf.startswith(b"%PDF")
    assert label.zpl.count("^XA") == 2
    assert label.rate.amount == rates.shipment_price("domestic_express", spec(NY, Parcel(1000), Parcel(2000)))


def test_serials_come_from_the_store(store):
    first = DomesticGround(store=store).buy_label(spec(NY), "ground").tracking_number
    second = DomesticGround(store=store).buy_label(spec(NY), "ground").tracking_number
    assert int(second[14:21]) == int(first[14:21]) + 1


def test_international_postal_label_has_s10_number_with_origin_country(store):
    label = InternationalPostal(store=store).buy_label(spec(LONDON), "postal")
    assert is_valid_s10(label.tracking_number)
    assert label.tracking_number.startswith("LX")
    assert label.tracking_number.endswith("US")
    other = InternationalPostal(store=store, prefix="RR", origin_country="GB").buy_label(spec(LONDON), "postal")
    assert other.tracking_number.startswith("RR")
    assert other.tracking_number.endswith("GB")


def test_unavailable_service_refused(store):
    with pytest.raises(ServiceUnavailable):
        DomesticGround(store=store).buy_label(spec(LONDON), "ground")
    with pytest.raises(ServiceUnavailable):
        DomesticGround(store=store).buy_label(spec(NY), "overnight")


def test_void_then_track(store):
    carrier = DomesticGround(store=store, now=lambda: FIXED_NOW)
    label = carrier.buy_label(spec(NY, Parcel(500), Parcel(700)), "ground")
    assert [e.status for e in carrier.track(label.tracking_number)] == [TrackingStatus.LABEL_CREATED]

    carrier.void_label(label.tracking_number)

    for number in label.parcel_tracking_numbers:
        events = carrier.track(number)
        assert [e.status for e in events] == [TrackingStatus.LABEL_CREATED, TrackingStatus.VOIDED]
        assert events[0].occurred_at == FIXED_NOW
    with pytest.raises(LabelAlreadyVoided):
        carrier.void_label(label.tracking_number)


def test_unknown_numbers_refused(store):
    number = DomesticGround(store=store).buy_label(spec(NY), "ground").tracking_number
    with pytest.raises(UnknownTrackingNumber):
        DomesticGround(store=store).track("9200123456789012345676")
    with pytest.raises(UnknownTrackingNumber):
        DomesticExpress(store=store).void_label(number)  # issued by another carrier
