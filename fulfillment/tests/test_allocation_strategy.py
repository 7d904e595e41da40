"""The allocation strategy over plain data: no database."""

import random
from collections import defaultdict

import pytest

from fulfillment.allocation import (
    STRATEGIES,
    Backorder,
    Destination,
    Plan,
    PlannedAllocation,
    WarehouseInfo,
    choose_warehouses,
    distance,
    get_strategy,
    zone,
)

NEW_YORK = Destination("US", "10001")


def wh(pk, country="US", postal_code="10001", priority=0, active=True):
    return WarehouseInfo(id=pk, country=country, postal_code=postal_code, priority=priority, active=active)


def test_one_warehouse_that_fills_everything_beats_a_nearer_one_that_cannot():
    lines = [(1, 100, 2), (2, 200, 1)]
    near, far = wh(1, "US", "10001"), wh(2, "US", "90001")
    free = {(1, 100): 2, (2, 100): 5, (2, 200): 5}

    plan = choose_warehouses(lines, NEW_YORK, [near, far], free)

    assert plan.warehouse_ids == (2,)
    assert plan.allocations == (PlannedAllocation(1, 2, 100, 2), PlannedAllocation(2, 2, 200, 1))
    assert plan.is_complete


def test_the_nearest_of_the_warehouses_that_fill_everything_wins():
    lines = [(1, 100, 3)]
    abroad, other_coast, same_coast = wh(1, "DE", "10115"), wh(2, "US", "94105"), wh(3, "US", "07001")
    free = {(1, 100): 9, (2, 100): 9, (3, 100): 9}

    plan = choose_warehouses(lines, NEW_YORK, [abroad, other_coast, same_coast], free)

    assert plan.warehouse_ids == (3,)


def test_a_priority_override_beats_distance():
    lines = [(1, 100, 1)]
    near, far_but_preferred = wh(1, "US", "10001"), wh(2, "JP", "100-0001", priority=5)
    free = {(1, 100): 9, (2, 100): 9}

    plan = choose_warehouses(lines, NEW_YORK, [near, far_but_preferred], free)

    assert plan.warehouse_ids == (2,)


def test_priority_never_splits_an_order_that_one_warehouse_can_fill():
    lines = [(1, 100, 2), (2, 200, 1)]
    whole, preferred = wh(1, "US", "10001"), wh(2, "US", "10001", priority=5)
    free = {(1, 100): 2, (1, 200): 1, (2, 100): 2}

    plan = choose_warehouses(lines, NEW_YORK, [whole, preferred], free)

    assert plan.warehouse_ids == (1,)


def test_most_stock_breaks_a_distance_tie():
    lines = [(1, 100, 1)]
    free = {(1, 100): 3, (2, 100): 30, (3, 100): 10}

    plan = choose_warehouses(lines, NEW_YORK, [wh(1), wh(2), wh(3)], free)

    assert plan.warehouse_ids == (2,)


def test_the_lowest_id_breaks_a_complete_tie_whatever_the_input_order():
    lines = [(1, 100, 1)]
    free = {(7, 100): 5, (3, 100): 5}

    assert choose_warehouses(lines, NEW_YORK, [wh(7), wh(3)], free).warehouse_ids == (3,)
    assert choose_warehouses(lines, NEW_YORK, [wh(3), wh(7)], free).warehouse_ids == (3,)


def test_splits_across_two_warehouses_when_none_can_fill_the_order():
    lines = [(1, 100, 4), (2, 200, 2)]
    # 1 has a bit of everything, 2 has all of variant 100, 3 has all of variant 200: 2 + 3 is two shipments.
    free = {(1, 100): 1, (1, 200): 1, (2, 100): 4, (3, 200): 2}

    plan = choose_warehouses(lines, NEW_YORK, [wh(1), wh(2), wh(3)], free)

    assert plan.warehouse_ids == (2, 3)
    assert set(plan.allocations) == {PlannedAllocation(1, 2, 100, 4), PlannedAllocation(2, 3, 200, 2)}
    assert plan.is_complete and plan.shipments == 2


def test_a_single_line_is_split_when_no_warehouse_has_enough():
    plan = choose_warehouses([(1, 100, 5)], NEW_YORK, [wh(1), wh(2, "US", "90001")], {(1, 100): 2, (2, 100): 3})

    assert plan.allocations == (PlannedAllocation(1, 2, 100, 3), PlannedAllocation(1, 1, 100, 2))
    assert plan.backorders == ()


def test_what_no_warehouse_has_is_backordered():
    lines = [(1, 100, 2), (2, 200, 3)]

    plan = choose_warehouses(lines, NEW_YORK, [wh(1)], {(1, 100): 5})

    assert plan.allocations == (PlannedAllocation(1, 1, 100, 2),)
    assert plan.backorders == (Backorder(2, 200, 3),)
    assert not plan.is_complete


def test_a_line_only_partly_in_stock_is_backordered_for_the_rest():
    plan = choose_warehouses([(1, 100, 5)], NEW_YORK, [wh(1), wh(2)], {(1, 100): 1, (2, 100): 2})

    assert plan.allocations == (PlannedAllocation(1, 2, 100, 2), PlannedAllocation(1, 1, 100, 1))
    assert plan.backorders == (Backorder(1, 100, 2),)


def test_nothing_at_all_in_stock_backorders_everything():
    plan = choose_warehouses([(1, 100, 1)], NEW_YORK, [], {})

    assert plan == Plan(backorders=(Backorder(1, 100, 1),))


def test_inactive_warehouses_are_ignored():
    lines = [(1, 100, 2)]
    free = {(1, 100): 9, (2, 100): 9}

    plan = choose_warehouses(lines, NEW_YORK, [wh(1, priority=9, active=False), wh(2, "FR", "75001")], free)

    assert plan.warehouse_ids == (2,)


def test_stock_of_an_inactive_or_unknown_warehouse_is_backordered_not_allocated():
    plan = choose_warehouses([(1, 100, 2)], NEW_YORK, [wh(1, active=False)], {(1, 100): 9, (5, 100): 9})

    assert plan == Plan(backorders=(Backorder(1, 100, 2),))


def test_zero_and_negative_free_units_are_ignored():
    lines = [(1, 100, 1)]
    free = {(1, 100): 0, (2, 100): -4, (3, 100): 1}

    plan = choose_warehouses(lines, NEW_YORK, [wh(1, priority=5), wh(2, priority=5), wh(3, "AU", "2000")], free)

    assert plan.warehouse_ids == (3,)
    assert choose_warehouses(lines, NEW_YORK, [wh(1), wh(2)], free).backorders == (Backorder(1, 100, 1),)


def test_a_priority_warehouse_that_has_nothing_for_the_order_is_not_used():
    plan = choose_warehouses([(1, 100, 1)], NEW_YORK, [wh(1, priority=9), wh(2)], {(1, 200): 9, (2, 100): 1})

    assert plan.warehouse_ids == (2,)


def test_two_lines_of_the_same_variant_share_the_free_units():
    plan = choose_warehouses([(1, 100, 2), (2, 100, 2)], NEW_YORK, [wh(1)], {(1, 100): 3})

    assert plan.allocations == (PlannedAllocation(1, 1, 100, 2), PlannedAllocation(2, 1, 100, 1))
    assert plan.backorders == (Backorder(2, 100, 1),)


def test_a_line_below_one_unit_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        choose_warehouses([(1, 100, 0)], NEW_YORK, [wh(1)], {(1, 100): 1})


def test_a_warehouse_listed_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        choose_warehouses([(1, 100, 1)], NEW_YORK, [wh(1), wh(1)], {(1, 100): 1})


def test_the_input_free_mapping_is_not_modified():
    free = {(1, 100): 3}

    choose_warehouses([(1, 100, 2)], NEW_YORK, [wh(1)], free)

    assert free == {(1, 100): 3}


def test_zones_same_country_then_region_then_elsewhere():
    assert zone("US", "us") == 0
    assert zone("US", "CA") == 1
    assert zone("DE", "FR") == 1
    assert zone("DE", "US") == 2
    assert zone("ZZ", "ZZ") == 0
    assert zone("ZZ", "YY") == 2


def test_us_postal_first_digit_breaks_ties_inside_the_country_only():
    assert distance("US", "07001", "US", "10001") == (0, 1)
    assert distance("US", "94105", "US", "10001") == (0, 8)
    assert distance("US", "", "US", "10001") == (0, 10)
    assert distance("FR", "75001", "FR", "13001") == (0, 0)
    assert distance("CA", "M5V", "US", "10001") == (1, 0)


def test_strategies_are_registered_by_name():
    assert STRATEGIES["fewest_shipments"] is choose_warehouses
    assert get_strategy() is choose_warehouses
    with pytest.raises(KeyError, match="fewest_shipments"):
        get_strategy("cheapest")


def _random_case(rng: random.Random):
    countries = ["US", "CA", "DE", "FR", "JP"]
    warehouses = [
        WarehouseInfo(
            id=pk,
            country=rng.choice(countries),
            postal_code=str(rng.randrange(100000)).zfill(5),
            priority=rng.choice([0, 0, 0, 1, 5]),
            active=rng.random() > 0.15,
        )
        for pk in rng.sample(range(1, 50), rng.randrange(0, 8))
    ]
    variants = rng.sample(range(100, 120), rng.randrange(1, 6))
    lines = [(line_id, rng.choice(variants), rng.randrange(1, 8)) for line_id in range(1, rng.randrange(2, 8))]
    free = {
        (warehouse.id, variant): rng.randrange(-3, 10)
        for warehouse in warehouses
        for variant in variants
        if rng.random() > 0.3
    }
    free[(999, variants[0])] = 50  # stock of a warehouse nobody listed
    destination = Destination(rng.choice(countries), str(rng.randrange(100000)).zfill(5))
    return lines, destination, warehouses, free


def test_plans_keep_their_invariants_over_random_inputs():
    for seed in range(300):
        rng = random.Random(seed)
        lines, destination, warehouses, free = _random_case(rng)

        plan = choose_warehouses(lines, destination, warehouses, free)

        active = {warehouse.id for warehouse in warehouses if warehouse.active}
        placed: dict[int, int] = defaultdict(int)
        per_stock: dict[tuple[int, int], int] = defaultdict(int)
        for allocation in plan.allocations:
            assert allocation.quantity > 0, seed
            assert allocation.warehouse_id in active, seed
            assert allocation.warehouse_id in plan.warehouse_ids, seed
            placed[allocation.line_id] += allocation.quantity
            per_stock[(allocation.warehouse_id, allocation.variant_id)] += allocation.quantity
        for backorder in plan.backorders:
            assert backorder.quantity > 0, seed
            placed[backorder.line_id] += backorder.quantity
        for line_id, _variant_id, quantity in lines:
            assert placed[line_id] == quantity, seed
        for key, units in per_stock.items():
            assert units <= free.get(key, 0), seed
        assert len(set(plan.warehouse_ids)) == len(plan.warehouse_ids), seed
        assert set(plan.warehouse_ids) == {allocation.warehouse_id for allocation in plan.allocations}, seed
        # A backorder means no active warehouse had a free unit of that variant left.
        for backorder in plan.backorders:
            for warehouse_id in active:
                key = (warehouse_id, backorder.variant_id)
                assert per_stock[key] >= max(free.get(key, 0), 0), seed
        # Deterministic: the same input (even reordered warehouses) gives the same plan.
        assert choose_warehouses(lines, destination, list(reversed(warehouses)), dict(free)) == plan, seed
