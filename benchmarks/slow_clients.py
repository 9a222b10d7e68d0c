#!/usr/bin/env python3
"""Slow clients against gunicorn settings: `.venv/bin/python benchmarks/slow_clients.py`.

Issue 11, item 19: one client trickling its request body held a worker, and ordinary
requests that worker had accepted waited behind it. For each gunicorn setting compared
(the repository's gunicorn.conf.py, then the same with `--setting` overrides), this:

1. starts the registry with gunicorn on a small fresh SQLite database (127.0.0.1 only);
2. **slow clients**: `--slow` connections each send the headers of `POST /login` (a
   form every visitor may post, read before anything is checked) announcing a 4 KB
   body, then trickle it, one byte every `--trickle` seconds, for `--slow-seconds`;
3. meanwhile **ordinary requests**: `--ordinary` GETs of one API list page, each on a new
   connection, from 4 client threads; their latency is what a slow client costs others;
4. **CPU per request** without slow clients: `--load` requests of the same list page from
   16 keep-alive client threads, and the CPU seconds gunicorn's workers spent on them
   (from /proc), which is what more threads per worker cost.

Every loop is bounded (request counts and deadlines); every server runs in its own process
group and is stopped in `finally`. Results: a table on stdout and
benchmarks/results/slow_clients.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "slow_clients.json"
HOST = "127.0.0.1"
PYTHON = sys.executable
SLOW_BODY_BYTES = 4096
DELAYED_SECONDS = 1.0  # an ordinary request slower than this counts as delayed


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def build_database(env: dict, count: int) -> str:
    """Migrate, load reference data and `count` projects; returns a read token."""
    flask(env, "db", "upgrade")
    flask(env, "seed", "reference")
    flask(env, "seed", "synthetic", "--count", str(count))
    flask(
        env,
        "accounts",
        "create-org",
        "--ref",
        "XX-SLOW",
        "--name",
        "Slow clients",
        "--country",
        "JP",
        "--type",
        "10",
    )
    output = flask(env, "tokens", "issue", "--org", "XX-SLOW", "--scope", "read")
    return output.strip().splitlines()[-1].strip()


def get(port: int, path: str, headers: dict, timeout: float = 60) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


class Gunicorn:
    """gunicorn with the repository's gunicorn.conf.py and `overrides` (command-line flags)."""

    def __init__(self, env: dict, overrides: list[str], logs: Path):
        self.port = free_port()
        self.log_path = logs / f"gunicorn-{self.port}.log"
        argv = [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", *overrides]
        argv += ["--bind", f"{HOST}:{self.port}", "--access-logfile", "/dev/null", "wsgi:app"]
        with open(self.log_path, "wb") as handle:
            self.process = subprocess.Popen(
                argv,
                cwd=REPO,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-2000:]}")
            try:
                if get(self.port, "/healthz", {}, timeout=5) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz")

    def worker_cpu_seconds(self) -> float:
        """User + system CPU of gunicorn's worker processes (the master's children)."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        for pid in children.read_text().split():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            self.process.wait()


def trickle(port: int, seconds: float, interval: float, stop: threading.Event) -> None:
    """One slow client: the headers of a form post, then its body a byte at a time."""
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(SLOW_BODY_BYTES).encode() + b"\r\n\r\n"
        )
        deadline = time.monotonic() + seconds
        sent = 0
        while sent < SLOW_BODY_BYTES - 1 and time.monotonic() < deadline and not stop.is_set():
            try:
                sock.sendall(b"a")
            except OSError:
                return  # the server gave up on us: that is allowed
            sent += 1
            stop.wait(interval)


def ordinary(port: int, path: str, headers: dict, count: int) -> list[float]:
    """`count` GETs, each on a new connection, from 4 threads; their latencies."""

    def one(_n: int) -> float:
        began = time.perf_counter()
        try:
            status = get(port, path, headers, timeout=120)
        except OSError:
            return float("inf")
        return time.perf_counter() - began if status == 200 else float("inf")

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(count)))


def summary(latencies: list[float]) -> dict:
    finite = sorted(x for x in latencies if x != float("inf"))
    p95 = finite[int(0.95 * (len(finite) - 1))] if finite else None
    return {
        "requests": len(latencies),
        "failed": len(latencies) - len(finite),
        "delayed": sum(1 for x in latencies if x > DELAYED_SECONDS),
        "median_ms": round(statistics.median(finite) * 1000, 1) if finite else None,
        "p95_ms": round(p95 * 1000, 1) if p95 is not None else None,
        "max_ms": round(finite[-1] * 1000, 1) if finite else None,
    }


def with_slow_clients(server: Gunicorn, path: str, headers: dict, args) -> dict:
    stop = threading.Event()
    slow = [
        threading.Thread(
            target=trickle, args=(server.port, args.slow_seconds, args.trickle, stop), daemon=True
        )
        for _ in range(args.slow)
    ]
    for thread in slow:
        thread.start()
    time.sleep(1.0)  # the slow clients hold their threads before the others arrive
    try:
        return summary(ordinary(server.port, path, headers, args.ordinary))
    finally:
        stop.set()
        for thread in slow:
            thread.join(timeout=15)


def cpu_per_request(server: Gunicorn, path: str, headers: dict, requests: int) -> dict:
    """`requests` GETs from 16 keep-alive threads; worker CPU ms per request, requests/s."""
    quota = [requests // 16 + (1 if i < requests % 16 else 0) for i in range(16)]

    def client(n: int) -> int:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=60)
        done = 0
        try:
            for _ in range(quota[n]):
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                done += response.status == 200
        finally:
            conn.close()
        return done

    cpu_before, began = server.worker_cpu_seconds(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        done = sum(pool.map(client, range(16)))
    seconds = time.perf_counter() - began
    cpu = server.worker_cpu_seconds() - cpu_before
    return {
        "requests": done,
        "requests_per_second": round(done / seconds, 1),
        "worker_cpu_ms_per_request": round(cpu * 1000 / max(done, 1), 3),
    }


def measure(env: dict, overrides: list[str], token: str, logs: Path, args) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    path = "/api/v1/projects?status=implementation&limit=50"
    server = Gunicorn(env, overrides, logs)
    try:
        server.wait_ready()
        for _ in range(20):  # every worker builds and keeps the page
            get(server.port, path, headers)
        quiet = summary(ordinary(server.port, path, headers, args.ordinary))
        slow = with_slow_clients(server, path, headers, args)
        cpu = cpu_per_request(server, path, headers, args.load)
    finally:
        server.stop()
    return {
        "settings": " ".join(overrides) or "gunicorn.conf.py",
        "quiet": quiet,
        "slow": slow,
        "load": cpu,
    }


def combine(rounds: list[dict]) -> dict:
    """One setting's rounds: every figure the median over the rounds."""

    def median_of(part: str) -> dict:
        keys = rounds[0][part].keys()
        return {k: round(statistics.median(r[part][k] for r in rounds), 3) for k in keys}

    return {
        "settings": rounds[0]["settings"],
        "rounds": rounds,
        **{part: median_of(part) for part in ("quiet", "slow", "load")},
    }


def table(results: list[dict], args) -> str:
    lines = [
        f"{args.slow} slow client(s), 1 byte every {args.trickle}s for {args.slow_seconds}s; "
        f"{args.ordinary} ordinary GETs (4 threads, new connections); delayed = over "
        f"{DELAYED_SECONDS:.0f}s or failed; medians of {args.rounds} round(s)",
        f"{'settings':26} {'quiet p95':>9} {'slow: delayed':>13} {'p95 ms':>8} {'max ms':>8} "
        f"{'req/s':>7} {'CPU ms/req':>10}",
    ]
    for r in results:
        slow, quiet, load = r["slow"], r["quiet"], r["load"]
        lines.append(
            f"{r['settings']:26} {quiet['p95_ms']:>9.0f} "
            f"{slow['delayed'] + slow['failed']:>6g}/{slow['requests']:<6g} "
            f"{slow['p95_ms']:>8.0f} {slow['max_ms']:>8.0f} {load['requests_per_second']:>7.0f} "
            f"{load['worker_cpu_ms_per_request']:>10.2f}"
        )
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--setting",
        action="append",
        default=None,
        help="gunicorn flags to compare, e.g. '--threads 4' (repeat; '' is gunicorn.conf.py)",
    )
    parser.add_argument("--count", type=int, default=2000, help="synthetic projects")
    parser.add_argument("--slow", type=int, default=1, help="slow clients")
    parser.add_argument("--trickle", type=float, default=0.5, help="seconds between bytes")
    parser.add_argument("--slow-seconds", type=float, default=20.0, help="how long they last")
    parser.add_argument("--ordinary", type=int, default=40, help="ordinary GETs")
    parser.add_argument("--load", type=int, default=3000, help="GETs for the CPU measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, settings alternating")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    settings = args.setting or ["", "--threads 4"]
    rounds: dict[str, list[dict]] = {setting: [] for setting in settings}
    with tempfile.TemporaryDirectory(prefix="slow-clients-") as work:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{work}/registry.sqlite",
            "REGISTRY_ENV": "development",
            "SECRET_KEY": secrets.token_hex(32),
            "API_RATE_LIMIT": "1000000 per minute",
            "NO_PROXY": "127.0.0.1",
        }
        env.pop("REGISTRY_THREADS", None)
        log(f"building a registry of {args.count} projects in {work}")
        token = build_database(env, args.count)
        for round_number in range(args.rounds):
            shift = round_number % len(settings)
            for setting in settings[shift:] + settings[:shift]:
                log(f"round {round_number + 1}: {setting or 'gunicorn.conf.py'}")
                rounds[setting].append(measure(env, setting.split(), token, Path(work), args))
    results = [combine(rounds[setting]) for setting in settings]
    print(table(results, args))
    RESULTS.parent.mkdir(exist_ok=True)
    report = {"cpus": os.cpu_count(), "load_average": os.getloadavg(), "args": vars(args)}
    RESULTS.write_text(json.dumps({**report, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
