"""Posting to the double-entry ledger: one entry per money event, balanced per currency, written once.

Every service that moves money calls `post_entry` inside its own transaction, so the entry commits
or rolls back with the change it records. Entries are keyed (`key`): posting the same event again
answers the entry already written and changes nothing. Balances are always sums of journal lines.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from marketplace.db import insert_new, mark_saved
from shop.currencies import ISO_4217_CODES
from shop.models import JournalEntry, JournalLine, LedgerAccount

A = LedgerAccount.Kind


class UnbalancedEntry(ValueError):
    """An entry whose lines do not sum to zero in each currency; carries the imbalance per currency."""

    def __init__(self, imbalance: dict[str, int]) -> None:
        super().__init__(f"Journal entry does not balance: {imbalance}")
        self.imbalance = imbalance


@dataclass(frozen=True)
class Posting:
    """One line to post: a signed amount in minor units (debit positive, credit negative)."""

    account: LedgerAccount
    amount_minor: int
    currency: str
    order_id: int | None = None
    order_line_id: int | None = None


def account(
    kind: str, *, seller_id: int | None = None, creator_id: int | None = None, jurisdiction: str = ""
) -> LedgerAccount:
    """The ledger account of a kind for a party (made on first use)."""
    found, _ = LedgerAccount.objects.get_or_create(
        kind=kind, seller_id=seller_id, creator_id=creator_id, jurisdiction=jurisdiction
    )
    return found


AccountKey = tuple[str, int | None, int | None, str]  # kind, seller id, creator id, jurisdiction
ACCOUNT_KEY = ("kind", "seller_id", "creator_id", "jurisdiction")


class AccountBook:
    """The ledger accounts one posting needs, read together rather than one `get_or_create` per line.

    `preload` reads every account of the given keys in one query (making the missing ones: one more);
    calling the book answers an account, from what was read or by `account` for one not preloaded.
    Kept for one posting only: an account made in a transaction that rolls back must not outlive it.
    """

    def __init__(self) -> None:
        self._found: dict[AccountKey, LedgerAccount] = {}

    def preload(self, keys: set[AccountKey]) -> None:
        wanted = keys - self._found.keys()
        if not wanted:
            return
        self._read(wanted)
        missing = wanted - self._found.keys()
        if not missing:
            return
        # Made in one INSERT that answers the rows it wrote; one a concurrent posting made first (the unique
        # constraint treats NULL parties as equal) is skipped by it and read back.
        made = {
            (kind, seller_id, creator_id, jurisdiction): LedgerAccount(
                kind=kind, seller_id=seller_id, creator_id=creator_id, jurisdiction=jurisdiction
            )
            for kind, seller_id, creator_id, jurisdiction in missing
        }
        for pk, *key in insert_new(list(made.values()), returning=["id", *ACCOUNT_KEY]):
            found = self._found[tuple(key)] = made[tuple(key)]
            found.pk = pk
            mark_saved(found)
        if missing - self._found.keys():
            self._read(missing - self._found.keys())

    def _read(self, keys: set[AccountKey]) -> None:
        match = Q()
        for kind, seller_id, creator_id, jurisdiction in keys:
            match |= Q(kind=kind, seller_id=seller_id, creator_id=creator_id, jurisdiction=jurisdiction)
        for found in LedgerAccount.objects.filter(match):
            self._found[(found.kind, found.seller_id, found.creator_id, found.jurisdiction)] = found

    def __call__(
        self, kind: str, *, seller_id: int | None = None, creator_id: int | None = None, jurisdiction: str = ""
    ) -> LedgerAccount:
        key = (kind, seller_id, creator_id, jurisdiction)
        if key not in self._found:
            self._found[key] = account(kind, seller_id=seller_id, creator_id=creator_id, jurisdiction=jurisdiction)
        return self._found[key]

    def seller(self, seller_id: int) -> LedgerAccount:
        return self(A.SELLER_PAYABLE, seller_id=seller_id)


def seller_account(seller_id: int) -> LedgerAccount:
    return account(A.SELLER_PAYABLE, seller_id=seller_id)


def creator_account(creator_id: int) -> LedgerAccount:
    return account(A.CREATOR_PAYABLE, creator_id=creator_id)


def imbalance_of(postings: list[Posting]) -> dict[str, int]:
    """Per currency, what the postings fail to balance by (empty when balanced)."""
    sums: dict[str, int] = defaultdict(int)
    for posting in postings:
        sums[posting.currency] += posting.amount_minor
    return {currency: total for currency, total in sums.items() if total != 0}


@dataclass(frozen=True)
class EntryToPost:
    """One entry for `post_entries`: what `post_entry` takes."""

    kind: str
    key: str
    postings: list[Posting]
    order_id: int | None = None
    external_id: str = ""
    memo: str = ""
    occurred_at: datetime | None = None


def _checked(postings: list[Posting]) -> list[Posting]:
    """The non-zero postings, after checking amounts, currencies and the balance (raises before any write)."""
    postings = [posting for posting in postings if posting.amount_minor != 0]
    for posting in postings:
        if not isinstance(posting.amount_minor, int) or isinstance(posting.amount_minor, bool):
            raise ValueError(f"Ledger amounts are integers in minor units, not {posting.amount_minor!r}.")
        if posting.currency not in ISO_4217_CODES:
            raise ValueError(f"{posting.currency!r} is not an ISO 4217 currency code.")
    imbalance = imbalance_of(postings)
    if imbalance:
        raise UnbalancedEntry(imbalance)
    return postings


def _journal_lines(entry: JournalEntry, postings: list[Posting], order_id: int | None) -> list[JournalLine]:
    return [
        JournalLine(
            entry=entry,
            account=posting.account,
            amount_minor=posting.amount_minor,
            currency=posting.currency,
            order_id=posting.order_id if posting.order_id is not None else order_id,
            order_line_id=posting.order_line_id,
        )
        for posting in postings
    ]


def post_entry(
    *,
    kind: str,
    key: str,
    postings: list[Posting],
    order_id: int | None = None,
    external_id: str = "",
    memo: str = "",
    occurred_at: datetime | None = None,
) -> JournalEntry:
    """Write one balanced entry (zero lines are dropped), or answer the one already written under `key`.

    Raises UnbalancedEntry when the lines do not sum to zero in each currency, ValueError for an
    amount that is not an integer or a currency that is not ISO 4217; nothing is written then.
    """
    postings = _checked(postings)
    existing = JournalEntry.objects.filter(key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                kind=kind,
                key=key,
                occurred_at=occurred_at or timezone.now(),
                order_id=order_id,
                external_id=external_id,
                memo=memo[:300],
            )
            JournalLine.objects.bulk_create(_journal_lines(entry, postings, order_id))
    except IntegrityError:  # the same event posted concurrently: the first one stands
        return JournalEntry.objects.get(key=key)
    return entry


def post_entries(entries: list[EntryToPost], *, written: dict[str, JournalEntry] | None = None) -> list[JournalEntry]:
    """`post_entry` for several entries of one event, in one go: five queries rather than four per entry.

    Each is checked first (nothing is written if one is unbalanced); entries already written under their
    key are answered as they are. A concurrent posting of the same keys falls back to `post_entry`.
    `written`: the entries of these keys found written, by key, read by the caller under a lock that keeps every
    other posting of these keys out (the order's row): not read again, and written without a savepoint (a
    conflict cannot happen; were it to, the caller's whole transaction rolls back and its retry finds them).
    """
    checked = [(entry, _checked(entry.postings)) for entry in entries]
    if written is None:
        keys = [entry.key for entry in entries]
        existing = {found.key: found for found in JournalEntry.objects.filter(key__in=keys)}
    else:
        existing = dict(written)
    fresh = [(entry, postings) for entry, postings in checked if entry.key not in existing]
    if fresh:
        try:
            with transaction.atomic(savepoint=written is None):
                made = JournalEntry.objects.bulk_create(
                    [
                        JournalEntry(
                            kind=entry.kind,
                            key=entry.key,
                            occurred_at=entry.occurred_at or timezone.now(),
                            order_id=entry.order_id,
                            external_id=entry.external_id,
                            memo=entry.memo[:300],
                        )
                        for entry, _ in fresh
                    ]
                )
                JournalLine.objects.bulk_create(
                    [
                        line
                        for row, (entry, postings) in zip(made, fresh, strict=True)
                        for line in _journal_lines(row, postings, entry.order_id)
                    ]
                )
            existing.update({row.key: row for row in made})
        except IntegrityError:  # posted concurrently: one by one, each answering the entry that stands
            if written is not None:
                raise
            for entry, _ in fresh:
                existing[entry.key] = post_entry(
                    **{field: getattr(entry, field) for field in entry.__dataclass_fields__}
                )
    return [existing[entry.key] for entry in entries]


def transfer(*, debit: LedgerAccount, credit: LedgerAccount, amount_minor: int, currency: str, **tags) -> list[Posting]:
    """The two postings moving an amount from `credit` to `debit` (none when the amount is zero)."""
    if amount_minor == 0:
        return []
    return [
        Posting(debit, amount_minor, currency, **tags),
        Posting(credit, -amount_minor, currency, **tags),
    ]


def balance_of(account: LedgerAccount, *, currency: str, order_id: int | None = None) -> int:
    """The account's balance in minor units (debits minus credits), of one order's lines if given."""
    lines = JournalLine.objects.filter(account=account, currency=currency)
    if order_id is not None:
        lines = lines.filter(order_id=order_id)
    return lines.aggregate(total=Sum("amount_minor"))["total"] or 0


def unbalanced_entries() -> list[tuple[int, str, int]]:
    """(entry id, currency, sum) of every entry that does not sum to zero: always empty unless rows were forged."""
    rows = (
        JournalLine.objects.values("entry_id", "currency")
        .annotate(total=Sum("amount_minor"))
        .exclude(total=0)
        .order_by("entry_id", "currency")
    )
    return [(row["entry_id"], row["currency"], row["total"]) for row in rows]
