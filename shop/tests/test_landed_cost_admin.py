"""Staff keep the landed-cost tables in the admin: rows in effect are history, and a quote checks a rule."""

import io
import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from shop.landed_cost_tables import load_landed_cost_tables
from shop.models import DeMinimis, DutyRate, ExchangeRate, TaxRate

D = Decimal
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def tables(db) -> None:
    if not ExchangeRate.objects.exists():
        load_landed_cost_tables(apps)


def _day(offset: int) -> date:
    return timezone.localdate() + timedelta(days=offset)


def _duty_rates(count: int) -> None:
    for _ in range(count):
        DutyRate.objects.create(
            country="BR", hs_prefix=f"{next(_counter):04d}", rate_percent=D("10"), effective_from=_day(-1), source="s"
        )


def _tax_rates(count: int) -> None:
    for _ in range(count):
        TaxRate.objects.create(country="BR", name="VAT", rate_percent=D("17"), effective_from=_day(-next(_counter)),
                               source="s")  # fmt: skip


def _thresholds(count: int) -> None:
    for _ in range(count):
        DeMinimis.objects.create(
            country="BR", kind="tax", threshold=D("50"), currency="USD", effective_from=_day(-next(_counter)),
            collected_at_or_under="exempt", collected_above="carrier", source="s",
        )  # fmt: skip


def _exchange_rates(count: int) -> None:
    for _ in range(count):
        ExchangeRate.objects.create(base="USD", quote="BRL", rate=D("5.4"), effective_from=_day(-next(_counter)),
                                    source="s")  # fmt: skip


@pytest.mark.parametrize(
    ("model", "make_rows"),
    [("dutyrate", _duty_rates), ("taxrate", _tax_rates), ("deminimis", _thresholds), ("exchangerate", _exchange_rates)],
)
def test_changelist_query_count_does_not_grow_with_rows(assert_changelist_queries_constant, model, make_rows):
    assert_changelist_queries_constant(reverse(f"admin:shop_{model}_changelist"), make_rows)


@pytest.mark.parametrize("model", ["dutyrate", "taxrate", "deminimis", "exchangerate"])
def test_changelists_filter_by_country_or_currency_and_date(staff_client, model):
    country = {"exchangerate": {"base": "USD"}}.get(model, {"country": "DE"})

    response = staff_client.get(reverse(f"admin:shop_{model}_changelist"), {**country, "effective_from__year": "2021"})
    hierarchy = staff_client.get(reverse(f"admin:shop_{model}_changelist"), {"effective_from__year": "2026"})

    assert response.status_code == hierarchy.status_code == 200


def test_the_in_effect_filter_tells_current_rows_from_ended_and_future_ones(staff_client):
    ended = TaxRate.objects.create(country="BR", name="VAT", rate_percent=D("17"), effective_from=_day(-10),
                                   effective_to=_day(-5), source="s")  # fmt: skip
    current = TaxRate.objects.create(
        country="BR", name="VAT", rate_percent=D("18"), effective_from=_day(-4), source="s"
    )
    future = TaxRate.objects.create(country="BR", name="VAT", rate_percent=D("19"), effective_from=_day(5), source="s")
    url = reverse("admin:shop_taxrate_changelist")

    def listed(value: str) -> list[TaxRate]:
        return list(staff_client.get(url, {"country": "BR", "in_effect": value}).context["cl"].result_list)

    assert (listed("today"), listed("future"), listed("ended")) == ([current], [future], [ended])


def test_search_by_hs_code_finds_every_row_that_could_apply_to_it(staff_client):
    response = staff_client.get(reverse("admin:shop_dutyrate_changelist"), {"q": "610910", "country": "DE"})

    prefixes = {row.hs_prefix for row in response.context["cl"].result_list}
    assert prefixes == {"", "61"}
    assert "62" not in prefixes


def test_a_row_in_effect_is_read_only_but_for_closing_it(staff_client):
    row = DutyRate.objects.create(country="BR", hs_prefix="61", rate_percent=D("35"), effective_from=_day(-10),
                                  source="Receita Federal")  # fmt: skip
    url = reverse("admin:shop_dutyrate_change", args=[row.pk])

    page = staff_client.get(url).content.decode()
    response = staff_client.post(url, {"effective_to": _day(0).isoformat(), "rate_percent": "1", "_save": "Save"})

    row.refresh_from_db()
    assert 'name="rate_percent"' not in page
    assert 'name="effective_to"' in page
    assert "Start a new row from this one" in page
    assert response.status_code == 302
    assert (row.rate_percent, row.effective_to) == (D("35.000"), _day(0))


def test_a_row_in_effect_cannot_be_closed_in_the_past_reopened_or_deleted(staff_client):
    row = TaxRate.objects.create(country="BR", name="VAT", rate_percent=D("17"), effective_from=_day(-10), source="s")
    url = reverse("admin:shop_taxrate_change", args=[row.pk])

    too_early = staff_client.post(url, {"effective_to": _day(-2).isoformat(), "_save": "Save"})
    delete = staff_client.get(reverse("admin:shop_taxrate_delete", args=[row.pk]))
    yesterday = staff_client.post(url, {"effective_to": _day(-1).isoformat(), "_save": "Save"})
    row.refresh_from_db()
    reopen = staff_client.post(url, {"effective_to": "", "_save": "Save"})

    assert "can only be closed from today on" in too_early.content.decode()
    assert delete.status_code == 403
    assert yesterday.status_code == 302
    assert row.effective_to == _day(-1)
    # Closed yesterday: its last day has passed, so nothing on it is editable any more.
    assert reopen.status_code == 302
    row.refresh_from_db()
    assert row.effective_to == _day(-1)


def test_a_closing_date_still_ahead_can_be_moved_or_withdrawn(staff_client):
    row = TaxRate.objects.create(country="BR", name="VAT", rate_percent=D("17"), effective_from=_day(-10),
                                 effective_to=_day(20), source="s")  # fmt: skip
    url = reverse("admin:shop_taxrate_change", args=[row.pk])

    staff_client.post(url, {"effective_to": _day(40).isoformat(), "_save": "Save"})
    row.refresh_from_db()
    moved = row.effective_to
    staff_client.post(url, {"effective_to": "", "_save": "Save"})
    row.refresh_from_db()

    assert (moved, row.effective_to) == (_day(40), None)


def test_a_row_not_yet_in_effect_can_be_corrected_and_deleted(staff_client):
    row = DutyRate.objects.create(country="BR", hs_prefix="64", rate_percent=D("35"), effective_from=_day(30),
                                  source="s")  # fmt: skip
    url = reverse("admin:shop_dutyrate_change", args=[row.pk])
    form = {
        "country": "BR", "hs_prefix": "64", "origin_country": "", "rate_percent": "20", "fixed_amount": "0",
        "fixed_currency": "", "fixed_per": "", "scope": "all", "basis": "goods",
        "effective_from": _day(30).isoformat(), "effective_to": "", "source": "s", "note": "", "_save": "Save",
    }  # fmt: skip

    response = staff_client.post(url, form)
    row.refresh_from_db()
    delete = staff_client.post(reverse("admin:shop_dutyrate_delete", args=[row.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert row.rate_percent == D("20.000")
    assert delete.status_code == 302
    assert not DutyRate.objects.filter(pk=row.pk).exists()


def test_a_malformed_hs_prefix_is_refused_with_a_clear_error(staff_client):
    form = {
        "country": "BR", "hs_prefix": "6", "origin_country": "", "rate_percent": "20", "fixed_amount": "3",
        "fixed_currency": "", "fixed_per": "", "scope": "all", "basis": "goods",
        "effective_from": _day(30).isoformat(), "effective_to": "", "source": "s", "note": "",
    }  # fmt: skip

    content = staff_client.post(reverse("admin:shop_dutyrate_add"), form).content.decode()

    assert "An HS prefix has 2 to 10 digits, or is empty for any code." in content
    assert "A fixed amount needs its currency and what it is charged per." in content


def test_the_bulk_delete_action_is_not_offered(staff_client):
    response = staff_client.get(reverse("admin:shop_dutyrate_changelist"))

    assert "delete_selected" not in response.content.decode()


def test_a_new_row_starts_from_an_old_one(staff_client):
    row = TaxRate.objects.get(country="CA", region="ON")
    page = staff_client.get(reverse("admin:shop_taxrate_change", args=[row.pk])).content.decode()
    add_url = page.split('<a href="')[-1].split('">Start a new row')[0].replace("&amp;", "&")

    form = staff_client.get(add_url).context["adminform"].form

    assert form.initial["region"] == "ON"
    assert form.initial["rate_percent"] == "13.000"
    assert form.initial["duty_taxable"] == "on"
    assert "effective_from" not in form.initial


def test_an_exchange_rate_in_effect_is_entirely_read_only(staff_client):
    row = ExchangeRate.objects.get(base="USD", quote="EUR")

    page = staff_client.get(reverse("admin:shop_exchangerate_change", args=[row.pk])).content.decode()

    assert 'name="rate"' not in page
    assert "0.86" in page


# --- checking a rule from the command line --------------------------------------------------------


def test_the_quote_command_prints_each_line_its_rule_the_totals_and_why():
    out = io.StringIO()

    call_command(
        "quote_landed_cost", "DE", "--currency", "EUR", "--shipping", "5", "--ship-from", "US", "--on", "2026-07-01",
        "--line", "610910:CN:25.00:2", "--line", "330499:FR:40", stdout=out,
    )  # fmt: skip

    text = out.getvalue()
    assert "Landed cost to DE on 2026-07-01, in EUR" in text
    assert "1. HS 610910: value 50.00, shipping share 2.78, duty 0.00, fixed 3.00, tax 10.60" in text
    assert "DE duty 3.00 EUR per distinct tariff subheading" in text
    assert "fixed     6.00" in text
    assert "(DDP: 25.19 at sale, 0.00 at the door)" in text
    assert "- Tax: value 90.00 EUR (intrinsic value of the goods) is at or under the 150.00 EUR threshold" in text


def test_the_quote_command_refuses_what_the_tables_cannot_quote():
    with pytest.raises(CommandError, match="We cannot ship to Brazil yet"):
        call_command("quote_landed_cost", "BR", "--line", "610910:CN:25.00", stdout=io.StringIO())
    with pytest.raises(CommandError, match="expected HS_CODE:ORIGIN:UNIT_VALUE"):
        call_command("quote_landed_cost", "DE", "--line", "610910", stdout=io.StringIO())
