"""The benchmark's trivial view is served only where the benchmark asks for it, never in production."""

import importlib.util
from pathlib import Path

from django.conf import settings

BENCH_RUN = Path(settings.BASE_DIR) / "bench" / "run.py"


def test_production_does_not_serve_the_benchmark_view(client, settings):
    settings.DEBUG = False
    settings.BENCH_TRIVIAL_VIEW = False

    assert client.get("/bench/trivial").status_code == 404


def test_the_benchmark_view_answers_when_turned_on(client, settings):
    settings.BENCH_TRIVIAL_VIEW = True

    response = client.get("/bench/trivial")

    assert (response.status_code, response.content) == (200, b"ok")


def test_the_benchmark_turns_it_on_for_its_servers():
    spec = importlib.util.spec_from_file_location("bench_run", BENCH_RUN)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    assert bench.ENV["BENCH_TRIVIAL_VIEW"] == "true"
    assert bench.FRESH_ENV["BENCH_TRIVIAL_VIEW"] == "true"
    assert bench.ENV["DEBUG"] == "false"
