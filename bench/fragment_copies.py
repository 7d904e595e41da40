"""Signed-in pages in one process with each process's copies of shared fragments off and on, alternated.

`FRAGMENT_LOCAL_SECONDS` (marketplace.fragments.LocalCopies) switched between 0 and 10 every batch of 40 requests
(the copies emptied at each switch), so drift on a shared machine falls on both sides alike; the Django test client,
no server. Reports the median over the batches of each batch's median time per request.

Needs the bench database that `python bench/run.py` prepares (run it once first).

    python bench/fragment_copies.py --batches 30
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import run  # bench/run.py: its environment and its pages

BASE_DIR = Path(__file__).resolve().parents[1]
PAGES = ("trivial view", "product page", "category page", "feed page", "search page", "/api/v1/feed/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=30)
    args = parser.parse_args()
    urls = run.pages()
    os.environ.update({**run.FRESH_ENV, "DJANGO_SETTINGS_MODULE": "marketplace.settings"})
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from marketplace.fragments import local_copies

    client = Client()
    client.force_login(get_user_model().objects.get_or_create(username="bench-shopper")[0])
    for page in PAGES:
        for _ in range(50):
            assert client.get(urls[page]).status_code == 200, page
    times: dict[tuple[str, int], list[float]] = {(page, seconds): [] for page in PAGES for seconds in (0, 10)}
    for batch in range(args.batches):
        for seconds in (0, 10) if batch % 2 else (10, 0):
            settings.FRAGMENT_LOCAL_SECONDS = seconds
            local_copies.clear()
            for page in PAGES:
                client.get(urls[page])  # the copy made, when on
                each = []
                for _ in range(40):
                    started = time.perf_counter()
                    client.get(urls[page])
                    each.append(time.perf_counter() - started)
                times[(page, seconds)].append(statistics.median(each) * 1000)

    print(
        f"\nCommand: `python bench/fragment_copies.py --batches {args.batches}` "
        "(in-process, signed in, ms per request)\n"
    )
    print("| page, signed in | copies off | copies on | on / off |")
    print("|---|---:|---:|---:|")
    for page in PAGES:
        off, on = statistics.median(times[(page, 0)]), statistics.median(times[(page, 10)])
        print(f"| {page} | {off:.2f} | {on:.2f} | {on / off:.2f} |")


if __name__ == "__main__":
    main()
