"""Signed-in pages of two revisions side by side: this checkout and `--before`, interleaved round by round.

The machine is shared: two runs of bench/run.py minutes apart differ by more than a change worth making. Here both
revisions serve at once (gunicorn, same database, same cache), and each round loads the trivial view then each
signed-in page on one server, then the other (the order alternates), so both see the same noise. Reports the
median over the rounds of each page's ratio to its own server's trivial view.

Needs the bench database that `python bench/run.py` prepares (run it once first) and wrk.

    python bench/compare_revisions.py --before HEAD~1 --rounds 11
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import run  # bench/run.py: its environment, its pages, its shopper and its wrk

BASE_DIR = Path(__file__).resolve().parents[1]
PAGES = ("product page", "feed page", "category page", "search page")


def checkout_of(revision: str, folder: Path) -> Path:
    """`revision` checked out in `folder` (a git worktree) with its static files collected."""
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), revision], cwd=BASE_DIR, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=folder, env=run.ENV, check=True,
        capture_output=True,
    )  # fmt: skip
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the revision to compare this checkout with")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    urls = run.pages()
    session = run.shopper_session()
    folder = Path(tempfile.mkdtemp(prefix="bench-before-")) / "checkout"
    servers = {
        "this checkout": (BASE_DIR, run.PORT + 11),
        args.before: (checkout_of(args.before, folder), run.PORT + 12),
    }
    processes = []
    ratios: dict[tuple[str, str], list[float]] = {(name, page): [] for name in servers for page in PAGES}
    try:
        processes = [run.start_server(port, run.ENV, args.workers, cwd) for cwd, port in servers.values()]
        for _, port in servers.values():  # warm each process's caches
            for page in PAGES:
                run.wrk(port, urls[page], 1, args.connections, session)
        for index in range(args.rounds):
            order = list(servers.items())
            for name, (_, port) in order if index % 2 == 0 else reversed(order):
                trivial = run.wrk(port, "/bench/trivial", args.seconds, args.connections)[0]
                for page in PAGES:
                    rate = run.wrk(port, urls[page], args.seconds, args.connections, session)[0]
                    ratios[(name, page)].append(rate / trivial)
            print(f"round {index + 1}/{args.rounds} done", flush=True)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=BASE_DIR, check=False)
        shutil.rmtree(folder.parent, ignore_errors=True)

    print(
        f"\nCommand: `python bench/compare_revisions.py --before {args.before} --rounds {args.rounds}` (gunicorn "
        f"{args.workers} sync workers per server, wrk -t2 -c{args.connections} -d{args.seconds}s, a signed-in "
        f"shopper; medians over {args.rounds} interleaved rounds of each page's ratio to its server's trivial view)\n"
    )
    print(f"| page, signed in | {args.before} | this checkout | this / {args.before} |")
    print("|---|---:|---:|---:|")
    for page in PAGES:
        before = statistics.median(ratios[(args.before, page)])
        after = statistics.median(ratios[("this checkout", page)])
        print(f"| {page} | {before:.1%} | {after:.1%} | {after / before:.2f} |")


if __name__ == "__main__":
    main()
