#!/usr/bin/env python3
"""Where the registry's time goes: the benchmark's list request and full CSV export under
cProfile, in one process (Flask's test client: no server, no network, one thread).

    python benchmarks/profile_registry.py                 # 100,000 projects, list and CSV
    python benchmarks/profile_registry.py --count 10000 --what list --top 40

Builds its own temporary database exactly as run.py does (same venv, same commands).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench


def show(profile: cProfile.Profile, top: int) -> None:
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        text = out.getvalue()
        print(text[text.find("   ncalls") :] if "   ncalls" in text else text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="list requests profiled")
    parser.add_argument("--what", choices=("list", "csv", "both"), default="both")
    parser.add_argument("--top", type=int, default=30, help="functions shown per table")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="turn the API list cache off (API_LIST_CACHE_MB=0): profile "
        "building the page rather than serving it from the cache",
    )
    args = parser.parse_args()
    if not bench.in_venv():
        bench.ensure_venv()
        os.execv(
            str(bench.VENV_PYTHON),
            [str(bench.VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]],
        )
    work = Path(tempfile.mkdtemp(prefix="registry-profile-"))
    try:
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": f"sqlite:///{work / 'registry.sqlite'}",
                "REGISTRY_ENV": "development",
                "SECRET_KEY": secrets.token_hex(32),
                "API_RATE_LIMIT": "1000000 per minute",
                "RATELIMIT_STORAGE_URI": "memory://",
                "API_LIST_CACHE_MB": "0" if args.no_cache else "32",
            }
        )
        token = bench.build_registry(env, args.count)
        country, _ = bench.common_country(work / "registry.sqlite")
        os.environ.update(env)
        sys.path.insert(0, str(bench.REPO))
        os.chdir(bench.REPO)
        from wsgi import app

        client = app.test_client()
        auth = {"Authorization": f"Bearer {token}"}
        if args.what in ("list", "both"):
            url = f"/api/v1/projects?country={country}&status=implementation&limit=50"
            for _ in range(10):
                assert client.get(url, headers=auth).status_code == 200
            began = time.perf_counter()
            for _ in range(args.requests):
                client.get(url, headers=auth)
            plain = (time.perf_counter() - began) / args.requests
            profile = cProfile.Profile()
            began = time.perf_counter()
            profile.enable()
            for _ in range(args.requests):
                client.get(url, headers=auth)
            profile.disable()
            elapsed = time.perf_counter() - began
            cache = "list cache off" if args.no_cache else "served from the list cache"
            print(
                f"\nLIST {url} ({cache}): "
                f"{plain * 1000:.2f} ms a request in one thread "
                f"({1 / plain:.0f}/s); {elapsed / args.requests * 1000:.2f} ms under cProfile\n"
            )
            show(profile, args.top)
        if args.what in ("csv", "both"):
            url = "/api/v1/exports/projects.csv"
            began = time.perf_counter()
            plain_size = len(client.get(url, headers=auth).get_data())
            plain = time.perf_counter() - began
            profile = cProfile.Profile()
            began = time.perf_counter()
            profile.enable()
            response = client.get(url, headers=auth)
            size = len(response.get_data())
            profile.disable()
            elapsed = time.perf_counter() - began
            assert size == plain_size
            print(
                f"\nCSV {url}: {response.status_code}, {size / 1e6:.1f} MB in {plain:.2f}s "
                f"in one thread ({elapsed:.2f}s under cProfile)\n"
            )
            show(profile, args.top)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
