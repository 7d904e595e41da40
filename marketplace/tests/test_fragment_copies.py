"""Each process keeps its own short-lived copy of the shared HTML it read (marketplace.fragments.LocalCopies):
a busy page skips the cache's round trip, a change still shows at once (it makes a new key), a copy never
outlives FRAGMENT_LOCAL_SECONDS, and nothing that could be changed in place is ever shared by reference.
"""

import pytest
from django.core.cache import cache

from marketplace import fragments
from marketplace.fragments import LocalCopies, cached_fragment, cached_items, fragment_key, local_copies


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(fragments.time, "monotonic", clock)
    return clock


def test_html_read_again_within_the_seconds_comes_from_this_process_not_the_cache(clock):
    key = fragment_key("card", (1, "2026-12-04T10:00"))
    assert cached_fragment(key, lambda: "<p>Lamp</p>") == "<p>Lamp</p>"
    cache.delete(key)  # were the shared cache asked, the card would be rendered again

    assert cached_fragment(key, lambda: "<p>rendered again</p>") == "<p>Lamp</p>"


def test_a_change_shows_at_once_because_it_makes_a_new_key(clock):
    cached_fragment(fragment_key("card", (1, "10:00")), lambda: "<p>Lamp</p>")

    assert cached_fragment(fragment_key("card", (1, "10:01")), lambda: "<p>Reading lamp</p>") == "<p>Reading lamp</p>"


def test_a_copy_is_read_from_the_cache_again_after_the_seconds(clock, settings):
    settings.FRAGMENT_LOCAL_SECONDS = 10
    key = fragment_key("card", (1,))
    cached_fragment(key, lambda: "<p>Lamp</p>")
    cache.set(key, "<p>shared elsewhere</p>")

    clock.now += 9.9
    assert cached_fragment(key, lambda: "never") == "<p>Lamp</p>"
    clock.now += 0.2
    assert cached_fragment(key, lambda: "never") == "<p>shared elsewhere</p>"


def test_data_that_could_be_changed_in_place_is_never_kept_by_reference(clock):
    key = fragment_key("api-item", (1,))
    first = cached_items({1: key}, lambda missing: {1: {"title": "Lamp"}})[1]
    first["title"] = "changed by a caller"

    assert cached_items({1: key}, lambda missing: {1: {}})[1] == {"title": "Lamp"}
    assert local_copies.get_many([key]) == {}


def test_copies_are_bounded_and_the_least_recently_read_go_first(clock):
    copies = LocalCopies(size=2)
    copies.set_many({"a": "A", "b": "B"})
    copies.get_many(["a"])
    copies.set_many({"c": "C"})

    assert copies.get_many(["a", "b", "c"]) == {"a": "A", "c": "C"}


@pytest.mark.parametrize("setting", ["FRAGMENT_LOCAL_SECONDS", "FRAGMENT_CACHE_SECONDS"])
def test_no_copies_when_switched_off(clock, settings, setting):
    setattr(settings, setting, 0)
    key = fragment_key("card", (1,))
    cached_fragment(key, lambda: "<p>Lamp</p>")

    assert local_copies.get_many([key]) == {}
