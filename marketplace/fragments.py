"""Rendered HTML of the parts of pages that are the same for every visitor, shared through the cache.

A signed-in shopper cannot be served a whole page from the shared page cache (`page_cache`): the
header, the cart count and the like and follow buttons are theirs. The rest of the page (a product's
gallery, picker and reviews, a feed post's video, tags and products) is the same for everyone, and
it is what costs the time. Views render that part through `cached_fragments`, keyed on what it shows:
the ids and update times of the rows it reads, so any change makes a new key and the old HTML is never
served again. `FRAGMENT_CACHE_SECONDS` bounds what a key cannot see (a seller renamed, a rendition
finished). Anonymous and signed-in visitors take the same path; only the personal parts are rendered
per request, around the fragments.

Lists (a category's page of products, a search's results) are keyed on named versions instead
(`current_versions`): a token per kind of data, replaced (`bump_version`) by whatever writes that data,
so a warm list costs two cache reads and no query.

Each process also keeps its own copy of the HTML it last read (`LocalCopies`) for a few seconds
(`FRAGMENT_LOCAL_SECONDS`), so a busy page is served without the cache's round trip: a key names what
its HTML shows, so a copy can only outlive its shared entry by those seconds.
"""

import functools
import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@functools.cache
def markup_version() -> str:
    """A digest of the templates and template tags: a deploy that changes the markup never serves the old one."""
    digest = hashlib.sha256()
    sources = sorted(Path(settings.BASE_DIR).glob("templates/**/*.html"))
    sources += sorted(Path(settings.BASE_DIR).glob("*/templatetags/*.py"))
    for path in sources:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def fragment_key(name: str, parts: Iterable[object]) -> str:
    """The cache key of fragment `name` showing rows at these versions (a digest keeps keys short)."""
    digest = hashlib.sha256("\x1f".join(map(str, (markup_version(), *parts))).encode()).hexdigest()[:40]
    return f"fragment:{name}:{digest}"


def _version_key(name: str) -> str:
    return f"fragment-version:{name}"


def current_versions(*names: str) -> tuple[str, ...]:
    """The current token of each named version, in one cache round trip; one never set (or evicted) gets one."""
    keys = [_version_key(name) for name in names]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            token = uuid.uuid4().hex
            cache.add(key, token, None)  # two requests starting the same version agree on the winner's token
            found[key] = cache.get(key, token)
    return tuple(found[key] for key in keys)


def bump_version(name: str) -> None:
    """Give version `name` a new token now, and again once the current transaction commits.

    The second is what keeps lists fresh: a request that read the data before the commit may have stored it
    under the token of the first (never under the one after the commit). The first serves what runs before
    any commit (in the same transaction, or a test's).
    """
    bump = VersionBump(name)
    bump()
    transaction.on_commit(bump)


@dataclass(frozen=True)
class VersionBump:
    """Gives version `name` a new token when called (a commit callback that says what it is)."""

    name: str

    def __call__(self) -> None:
        cache.set(_version_key(self.name), uuid.uuid4().hex, None)


class LocalCopies:
    """This process's copies of shared values that cannot be changed in place (HTML or JSON: a string, bytes, or a
    tuple of those), each kept `FRAGMENT_LOCAL_SECONDS` at most; the least recently used go first beyond `size`."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._copies: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()  # the live server of browser tests serves from threads

    def get_many(self, keys: Iterable[str]) -> dict[str, object]:
        now, found = time.monotonic(), {}
        with self._lock:
            for key in keys:
                copy = self._copies.get(key)
                if copy is None:
                    continue
                if copy[0] <= now:
                    del self._copies[key]
                    continue
                self._copies.move_to_end(key)
                found[key] = copy[1]
        return found

    def set_many(self, values: dict[str, object]) -> None:
        seconds = settings.FRAGMENT_LOCAL_SECONDS
        if seconds <= 0:
            return
        until = time.monotonic() + seconds
        with self._lock:
            for key, value in values.items():
                if _unchangeable(value):
                    self._copies[key] = (until, value)
                    self._copies.move_to_end(key)
            while len(self._copies) > self.size:
                self._copies.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()


local_copies = LocalCopies()


def _unchangeable(value: object) -> bool:
    """Safe to hand every caller the same object: text, or a tuple of texts (a dict or list could be changed)."""
    return isinstance(value, str | bytes) or (
        isinstance(value, tuple) and all(isinstance(v, str | bytes) for v in value)
    )


def clear_shared_fragments() -> None:
    """Empty the shared cache and this process's copies of it (tests that want the next page rendered)."""
    cache.clear()
    local_copies.clear()


def cached_items(keys: dict[K, str], build: Callable[[list[K]], dict[K, V]]) -> dict[K, V]:
    """Each item's value (any picklable data: an API item's dict) from the cache; the missing built by `build`.

    At most one cache round trip for the lot (none when this process holds a copy of each), and `build` is
    called once (with every missing item) or never.
    """
    timeout = settings.FRAGMENT_CACHE_SECONDS
    found: dict[str, object] = {}
    if timeout > 0:
        found = local_copies.get_many(keys.values())
        wanted = [key for key in keys.values() if key not in found]
        if wanted:
            shared = cache.get_many(wanted)
            local_copies.set_many(shared)
            found.update(shared)
    missing = [item for item, key in keys.items() if key not in found]
    if missing:
        built = {keys[item]: value for item, value in build(missing).items()}
        if timeout > 0:
            cache.set_many(built, timeout)
            local_copies.set_many(built)
        found.update(built)
    return {item: found[key] for item, key in keys.items()}


def cached_value(key: str, build: Callable[[], V]) -> V:
    """One value (picklable data) from the cache, else built by `build` and stored; an exception stores nothing."""
    return cached_items({key: key}, lambda _missing: {key: build()})[key]


def cached_rows(version: str, name: str, load: Callable[[], V]) -> V:
    """`load()` (plain, picklable data: a reference table's every row, whatever its dates) from the cache under
    the current token of `version`, which the table's writers bump."""
    (token,) = current_versions(version)
    return cached_value(f"reference:{name}:{token}", load)


def cached_fragments(keys: dict[K, str], render: Callable[[list[K]], dict[K, str]]) -> dict[K, SafeString]:
    """Each item's HTML from the cache; those missing rendered together by `render` and stored.

    One cache round trip for the lot, and `render` is called once (with every missing item) or never.
    """
    found = cached_items(keys, lambda missing: {item: str(html) for item, html in render(missing).items()})
    # Only what our own templates rendered is ever stored under these keys.
    return {item: mark_safe(html) for item, html in found.items()}  # noqa: S308


def cached_fragment(key: str, render: Callable[[], str]) -> SafeString:
    """One fragment's HTML from the cache, else rendered by `render` and stored."""
    return cached_fragments({key: key}, lambda _missing: {key: render()})[key]
