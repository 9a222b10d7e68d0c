#!/usr/bin/env python3
"""Benchmark the registry against a bare Flask app and Datasette: `python benchmarks/run.py`.

One command does everything (see benchmarks/README.md):

1. creates or reuses benchmarks/.venv (the registry's requirements + Datasette + psutil),
   then re-runs itself inside it;
2. builds a fresh SQLite registry in a temporary directory: migrate, reference data,
   N synthetic projects, a ministry with a read-scope token;
3. starts the registry with gunicorn and the repository's gunicorn.conf.py, downloads
   one API page (the bare app's body) and the full CSV export, and loads that CSV into a
   flat one-table SQLite file for Datasette (same rows, same cells);
4. starts the bare Flask app (same gunicorn settings) and Datasette on the flat file;
5. measures LIST requests/s, the full CSV download time, and the registry worker's memory
   growth during the export, alternating the contenders round by round;
6. prints a table with the targets (PASS/FAIL) and writes benchmarks/results/latest.json.

Every server it starts runs in its own process group and is stopped in `finally`.
Exit status is 0 even when a target is missed (it is a measurement); `--strict` makes a
missed target exit 1. Only 127.0.0.1 is contacted (and PyPI by pip, to build the venv).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import http.client
import json
import os
import platform
import runpy
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
VENV = BENCH_DIR / ".venv"
VENV_BIN = VENV / "bin"
VENV_PYTHON = VENV_BIN / "python"
REQUIREMENTS = BENCH_DIR / "requirements.txt"
RESULTS = BENCH_DIR / "results" / "latest.json"
HOST = "127.0.0.1"
BENCH_ORG = "XX-BENCHMARK"

TARGETS = {
    "list_vs_bare": 0.3,  # registry req/s >= 0.3 x the bare Flask route
    "list_vs_datasette": 4.0,  # registry req/s >= 4 x Datasette's JSON
    "csv_vs_datasette": 1.5,  # registry CSV speed >= 1.5 x Datasette's CSV stream
    "memory_mb": 50.0,  # registry worker RSS growth during the export < 50 MB
}

T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- 1. the virtualenv


def _requirements_stamp() -> str:
    digest = hashlib.sha256()
    for path in (REQUIREMENTS, REPO / "requirements.txt"):
        digest.update(path.read_bytes())
    digest.update(platform.python_version().encode())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create benchmarks/.venv (or reuse it) with benchmarks/requirements.txt installed."""
    stamp_file = VENV / ".installed"
    stamp = _requirements_stamp()
    if VENV_PYTHON.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    if not VENV_PYTHON.exists():
        log(f"creating {VENV.relative_to(REPO)} with {sys.executable}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    log("installing benchmarks/requirements.txt into the benchmark venv")
    subprocess.run(
        [str(VENV_PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True
    )
    subprocess.run(
        [str(VENV_PYTHON), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)],
        check=True,
        cwd=BENCH_DIR,
    )
    stamp_file.write_text(stamp)


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


# ---------------------------------------------------------------- servers and processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Servers:
    """Starts servers in their own process groups; `stop_all` ends every one of them."""

    def __init__(self) -> None:
        self.running: list[Server] = []

    def start(
        self,
        name: str,
        argv: list[str],
        env: dict,
        port: int,
        ready_path: str,
        logs: Path,
        timeout: float = 90,
    ) -> Server:
        log_path = logs / f"{name}.log"
        handle = open(log_path, "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        handle.close()
        server = Server(name, port, process, log_path)
        self.running.append(server)
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode} while starting:\n{server.tail()}"
                )
            try:
                status, _, _ = get(port, ready_path, timeout=5)
                if status == 200:
                    log(f"{name} is up on {HOST}:{port} (pid {process.pid})")
                    return server
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{name} did not answer {ready_path} within {timeout:.0f}s:\n{server.tail()}"
                )
            time.sleep(0.2)

    def stop_all(self) -> None:
        for server in reversed(self.running):
            stop_group(server.process)
            log(f"{server.name} stopped")
        self.running.clear()


def stop_group(process: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after `grace` seconds."""
    try:
        pgid = os.getpgid(process.pid)
    except ProcessLookupError:
        process.wait()
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            # The leader is gone; make sure no worker of the group outlives it.
            os.killpg(pgid, 0)
        except ProcessLookupError:
            break
        except subprocess.TimeoutExpired:
            continue
        time.sleep(0.2)
    process.wait()


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)


# ---------------------------------------------------------------- HTTP clients


def get(
    port: int, path: str, headers: dict | None = None, timeout: float = 60
) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@dataclass
class LoadResult:
    completed: int
    errors: int
    seconds: float
    bytes: int
    latencies: list[float] = field(repr=False)

    @property
    def rps(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0


def load(
    port: int, path: str, headers: dict, *, concurrency: int, requests: int, seconds: float
) -> LoadResult:
    """`concurrency` threads, each on one keep-alive connection, share `requests` GETs;
    stops early after `seconds`. Requests/s = successful responses / wall time."""
    quotas = [
        requests // concurrency + (1 if i < requests % concurrency else 0)
        for i in range(concurrency)
    ]
    barrier = threading.Barrier(concurrency + 1)
    start = [0.0]
    outcomes: list[tuple[int, int, int, float, list[float]]] = [None] * concurrency  # type: ignore

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        done = errors = size = 0
        latencies: list[float] = []
        try:
            conn.connect()
        except OSError:
            conn.close()
        barrier.wait()
        deadline = start[0] + seconds
        clock = time.perf_counter
        while done < quotas[index]:
            began = clock()
            if began > deadline:
                break
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                if response.status == 200:
                    done += 1
                    size += len(body)
                    latencies.append(clock() - began)
                else:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
        conn.close()
        outcomes[index] = (done, errors, size, clock(), latencies)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    start[0] = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    end = max(o[3] for o in outcomes)
    return LoadResult(
        completed=sum(o[0] for o in outcomes),
        errors=sum(o[1] for o in outcomes),
        seconds=end - start[0],
        bytes=sum(o[2] for o in outcomes),
        latencies=[lat for o in outcomes for lat in o[4]],
    )


def download(port: int, path: str, headers: dict, dest: Path) -> tuple[float, int]:
    """GET `path` into `dest`: (seconds to the last byte, bytes). curl when present (a C
    client that takes little of the CPU the servers need), else http.client."""
    curl = shutil.which("curl")
    if curl:
        argv = [
            curl,
            "--silent",
            "--show-error",
            "--fail",
            "--noproxy",
            "*",
            "--http1.1",
            "--output",
            str(dest),
            "--write-out",
            "%{http_code}",
        ]
        for name, value in headers.items():
            argv += ["--header", f"{name}: {value}"]
        argv.append(f"http://{HOST}:{port}{path}")
        began = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True)
        seconds = time.perf_counter() - began
        if done.returncode != 0 or done.stdout.strip() != "200":
            raise RuntimeError(f"GET {path} failed: {done.stdout} {done.stderr}")
        return seconds, dest.stat().st_size
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    began = time.perf_counter()
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}: {response.read()[:500]!r}")
        size = 0
        with open(dest, "wb") as out:
            while chunk := response.read(1 << 20):
                out.write(chunk)
                size += len(chunk)
    finally:
        conn.close()
    return time.perf_counter() - began, size


def download_client() -> str:
    curl = shutil.which("curl")
    if not curl:
        return "python http.client"
    version = subprocess.run([curl, "--version"], capture_output=True, text=True).stdout
    return " ".join(version.split()[:2])


# ---------------------------------------------------------------- memory


class RssSampler:
    """Samples the RSS of a process's children (gunicorn's workers) or of the process
    itself every `interval` seconds; growth = max(RSS during) - RSS just before."""

    def __init__(self, pid: int, children: bool, interval: float = 0.05) -> None:
        import psutil

        self.psutil = psutil
        parent = psutil.Process(pid)
        self.processes = parent.children() if children else [parent]
        self.interval = interval
        self.before = self._sample()
        self.peak = dict(self.before)
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> dict[int, int]:
        rss = {}
        for process in self.processes:
            with contextlib.suppress(self.psutil.Error):
                rss[process.pid] = process.memory_info().rss
        return rss

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid, value in self._sample().items():
                self.peak[pid] = max(self.peak.get(pid, 0), value)
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()
        for pid, value in self._sample().items():
            self.peak[pid] = max(self.peak.get(pid, 0), value)

    def growth_mb(self) -> dict[int, dict]:
        mb = 1024 * 1024
        return {
            pid: {
                "before_mb": round(self.before[pid] / mb, 1),
                "peak_mb": round(self.peak[pid] / mb, 1),
                "growth_mb": round((self.peak[pid] - self.before[pid]) / mb, 1),
            }
            for pid in self.before
        }


# ---------------------------------------------------------------- 2. the registry database


def flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


def build_registry(env: dict, count: int) -> str:
    """Migrate, load reference and synthetic data, register a ministry; returns its read token."""
    log("flask db upgrade")
    flask(env, "db", "upgrade")
    log("flask seed reference")
    flask(env, "seed", "reference")
    log(f"flask seed synthetic --count {count}")
    began = time.monotonic()
    flask(env, "seed", "synthetic", "--count", str(count))
    log(f"  {count:,} projects written in {time.monotonic() - began:.1f}s")
    # Registered after seeding, so every synthetic project belongs to the synthetic
    # ministry and this one reads them as any partner ministry reads others' projects.
    flask(
        env,
        "accounts",
        "create-org",
        "--ref",
        BENCH_ORG,
        "--name",
        "Benchmark ministry",
        "--country",
        "JP",
        "--type",
        "10",
    )
    output = flask(
        env, "tokens", "issue", "--org", BENCH_ORG, "--scope", "read", "--name", "benchmarks/run.py"
    )
    return output.strip().splitlines()[-1].strip()


def common_country(db_path: Path) -> tuple[str, int]:
    """The country that is most often the first recipient of projects in implementation."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT pc.code, count(*) FROM project_countries pc JOIN projects p ON p.id = "
            "pc.project_id WHERE pc.position = 0 AND p.status = 'implementation' "
            "GROUP BY pc.code ORDER BY count(*) DESC, pc.code LIMIT 1"
        ).fetchone()
    finally:
        conn.close()


# ---------------------------------------------------------------- 3. the flat table

FLAT_COLUMNS_NOTE = (
    "registry CSV columns, `recipient_country_codes` renamed `countries`, "
    "plus `country` (the first recipient country) for the filter"
)


def build_flat(csv_path: Path, flat_path: Path) -> int:
    """Load the registry's own CSV export into one flat table (one row per project) with
    an index on (country, status). Returns the number of rows."""
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        codes = header.index("recipient_country_codes")
        columns = list(header)
        columns[codes] = "countries"
        columns.insert(header.index("reporting_org") + 1, "country")
        conn = sqlite3.connect(flat_path)
        definitions = ", ".join(
            f'"{c}" TEXT PRIMARY KEY' if c == "identifier" else f'"{c}" TEXT' for c in columns
        )
        conn.execute(f"CREATE TABLE projects ({definitions})")
        names = ", ".join(f'"{c}"' for c in columns)
        insert = f"INSERT INTO projects ({names}) VALUES ({', '.join('?' * len(columns))})"
        after = header.index("reporting_org") + 1

        def rows():
            for row in reader:
                first = row[codes].split("; ")[0]
                yield [*row[:after], first, *row[after:]]

        conn.executemany(insert, rows())
        conn.execute("CREATE INDEX projects_country_status ON projects (country, status)")
        conn.commit()
        conn.execute("ANALYZE")
        count = conn.execute("SELECT count(*) FROM projects").fetchone()[0]
        conn.close()
    return count


def csv_summary(path: Path) -> dict:
    """Rows (header excluded), columns, and a digest of the identifiers, to compare outputs."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        index = header.index("identifier")
        identifiers = [row[index] for row in reader]
    digest = hashlib.sha256("\n".join(sorted(identifiers)).encode()).hexdigest()
    return {"rows": len(identifiers), "columns": len(header), "identifiers_sha256": digest}


# ---------------------------------------------------------------- 5. measurements


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rotate(items: list, shift: int) -> list:
    shift %= len(items)
    return items[shift:] + items[:shift]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure_list(contenders: list[dict], args) -> dict:
    """Warm each contender up, then `rounds` interleaved rounds (the order rotates)."""
    for contender in contenders:
        warm = load(
            contender["port"],
            contender["path"],
            contender["headers"],
            concurrency=args.concurrency,
            requests=max(args.concurrency * 10, 100),
            seconds=args.seconds,
        )
        if warm.errors or not warm.completed:
            raise RuntimeError(f"{contender['name']}: {warm.errors} errors while warming up")
    runs: dict[str, list[LoadResult]] = {c["name"]: [] for c in contenders}
    for round_number in range(args.rounds):
        for contender in rotate(contenders, round_number):
            result = load(
                contender["port"],
                contender["path"],
                contender["headers"],
                concurrency=args.concurrency,
                requests=args.requests,
                seconds=args.seconds,
            )
            runs[contender["name"]].append(result)
            log(
                f"LIST round {round_number + 1}/{args.rounds} {contender['name']:<9} "
                f"{result.rps:8.1f} req/s ({result.completed} in {result.seconds:.2f}s, "
                f"{result.errors} errors)"
            )
    out = {}
    for contender in contenders:
        results = runs[contender["name"]]
        latencies = [lat for r in results for lat in r.latencies]
        completed = sum(r.completed for r in results)
        out[contender["name"]] = {
            "url": contender["path"],
            "rps_median": round(median([r.rps for r in results]), 1),
            "rps_rounds": [round(r.rps, 1) for r in results],
            "requests": completed,
            "errors": sum(r.errors for r in results),
            "latency_ms_p50": round(percentile(latencies, 0.50) * 1000, 2),
            "latency_ms_p95": round(percentile(latencies, 0.95) * 1000, 2),
            "bytes_per_response": round(sum(r.bytes for r in results) / completed)
            if completed
            else 0,
        }
    return out


# ---------------------------------------------------------------- 6. the report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


LIST_CONTENDERS = ("registry", "bare", "datasette", "uncached")


def report(results: dict) -> str:
    cfg = results["config"]
    lines = []
    add = lines.append
    add("")
    add("=" * 96)
    add(
        f"Registry benchmark at {cfg['revision']}: {cfg['count']:,} projects; gunicorn "
        f"{cfg['gunicorn']}; {cfg['concurrency']} client threads; {cfg['cpus']} CPUs"
    )
    load_average = cfg["load_average_at_start"]
    busy = (
        " (the machine was not idle: absolute numbers suffer, ratios less so)"
        if load_average > 0.5
        else ""
    )
    add(f"1-minute load average at the start: {load_average:.2f}{busy}")
    add("=" * 96)
    lst = results["list"]
    add(
        f"LIST  {cfg['rounds']} interleaved rounds of <= {cfg['requests']} requests or "
        f"{cfg['seconds']:g}s each; country={cfg['country']}, status=implementation, 50 per page"
    )
    add(
        f"  {'contender':<11}{'req/s median':>13}{'p50 ms':>9}{'p95 ms':>9}{'bytes/resp':>12}"
        f"{'items':>7}  rounds (req/s)"
    )
    for name in LIST_CONTENDERS:
        row = lst[name]
        add(
            f"  {name:<11}{row['rps_median']:>13.1f}{row['latency_ms_p50']:>9.1f}"
            f"{row['latency_ms_p95']:>9.1f}{row['bytes_per_response']:>12,}{row['items']:>7}  "
            f"{', '.join(f'{v:.0f}' for v in row['rps_rounds'])}"
        )
    for name in LIST_CONTENDERS:
        add(f"    {name:<10}GET {lst[name]['url']}")
    uncached = lst["uncached"]["rps_median"]
    add(
        f"  uncached = the registry with API_LIST_CACHE_MB=0, every page built afresh: "
        f"{uncached / lst['bare']['rps_median']:.2f} x bare, "
        f"{uncached / lst['datasette']['rps_median']:.2f} x Datasette (for reference; the "
        f"targets are for the registry as `make run` serves it)"
    )
    c = results["csv"]
    add("")
    add(f"CSV   full export, {cfg['csv_rounds']} interleaved rounds, downloaded with {c['client']}")
    add(f"  {'contender':<22}{'seconds median':>15}{'rows/s':>11}{'MB':>8}{'rows':>9}  rounds (s)")
    for name in ("registry", "datasette", "floor"):
        row = c[name]
        add(
            f"  {row['label']:<22}{row['seconds_median']:>15.2f}{row['rows_per_s']:>11,.0f}"
            f"{row['mb']:>8.1f}{row['rows']:>9,}  "
            f"{', '.join(f'{v:.2f}' for v in row['seconds_rounds'])}"
        )
    add(
        f"  rows match: {verdict(c['rows_match'])} (header + {cfg['count']:,} rows and the same "
        f"identifiers in all three)"
    )
    m = results["memory"]
    add("")
    add(
        "MEMORY  registry workers' RSS growth during each full CSV export "
        "(max during - just before; sampled every 50 ms)"
    )
    for entry in m["exports"]:
        growth = ", ".join(
            f"pid {pid}: {v['before_mb']:.0f} -> {v['peak_mb']:.0f} MB (+{v['growth_mb']:.1f})"
            for pid, v in entry["workers"].items()
        )
        add(f"  {entry['label']:<15}{growth}")
    add(
        f"  Datasette (one process) during its stream: +{m['datasette_growth_mb']:.1f} MB (max "
        f"over rounds, for reference)"
    )
    add("")
    add("TARGETS")
    for target in results["targets"]:
        add(f"  {target['name']:<50}{target['measured']:>14}  {target['verdict']}")
    add("=" * 96)
    return "\n".join(lines)


def targets(results: dict) -> list[dict]:
    lst, c, m = results["list"], results["csv"], results["memory"]
    vs_bare = lst["registry"]["rps_median"] / lst["bare"]["rps_median"]
    vs_datasette = lst["registry"]["rps_median"] / lst["datasette"]["rps_median"]
    csv_ratio = c["datasette"]["seconds_median"] / c["registry"]["seconds_median"]
    growth = m["max_growth_mb"]
    out = [
        {
            "name": f"list: registry >= {TARGETS['list_vs_bare']} x bare Flask",
            "value": round(vs_bare, 3),
            "measured": f"{vs_bare:.2f} x",
            "ok": vs_bare >= TARGETS["list_vs_bare"],
        },
        {
            "name": f"list: registry >= {TARGETS['list_vs_datasette']:g} x Datasette JSON",
            "value": round(vs_datasette, 3),
            "measured": f"{vs_datasette:.2f} x",
            "ok": vs_datasette >= TARGETS["list_vs_datasette"],
        },
        {
            "name": f"csv: registry speed >= {TARGETS['csv_vs_datasette']} x Datasette stream",
            "value": round(csv_ratio, 3),
            "measured": f"{csv_ratio:.2f} x",
            "ok": csv_ratio >= TARGETS["csv_vs_datasette"] and c["rows_match"],
        },
        {
            "name": f"memory: worker growth during export < {TARGETS['memory_mb']:g} MB",
            "value": growth,
            "measured": f"{growth:.1f} MB",
            "ok": growth < TARGETS["memory_mb"],
        },
    ]
    for target in out:
        target["verdict"] = verdict(target["ok"])
    return out


# ---------------------------------------------------------------- the run


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the registry's list API, CSV export and memory against a bare "
        "Flask app and Datasette (see benchmarks/README.md)."
    )
    parser.add_argument(
        "--count", type=int, help="synthetic projects (default 100000; 10000 with --quick)"
    )
    parser.add_argument("--rounds", type=int, help="interleaved LIST rounds (default 5; 3 quick)")
    parser.add_argument(
        "--csv-rounds", type=int, help="interleaved CSV rounds (default 3; 2 quick)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument(
        "--requests",
        type=int,
        help="requests per contender per LIST round (default 3000; 1000 quick)",
    )
    parser.add_argument(
        "--seconds", type=float, help="time cap per contender per LIST round (default 6; 3 quick)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a fast check: 10,000 projects and fewer, shorter rounds",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary directory (databases, CSVs, server logs)",
    )
    args = parser.parse_args()
    quick = args.quick
    defaults = {
        "count": 10_000 if quick else 100_000,
        "rounds": 3 if quick else 5,
        "csv_rounds": 2 if quick else 3,
        "requests": 1000 if quick else 3000,
        "seconds": 3.0 if quick else 6.0,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if min(args.count, args.rounds, args.csv_rounds, args.concurrency, args.requests) < 1:
        parser.error("--count, --rounds, --csv-rounds, --concurrency and --requests must be >= 1")
    return args


def git_revision() -> str:
    """The commit measured, `+dirty` when the registry's files (benchmarks/ aside) have
    uncommitted changes (read-only: `--no-optional-locks` keeps git from touching its index)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=REPO, capture_output=True, text=True
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!benchmarks")
    return head + ("+dirty" if changed else "")


def gunicorn_settings(env: dict) -> dict:
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        conf = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {k: conf[k] for k in ("workers", "worker_class", "threads", "timeout")}


def run(args, work: Path, servers: Servers) -> dict:
    revision = git_revision()  # before anything imports the code
    load_before = os.getloadavg()[0]
    db_path = work / "registry.sqlite"
    logs = work / "logs"
    logs.mkdir()
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{db_path}",
            "REGISTRY_ENV": "development",
            "SECRET_KEY": secrets.token_hex(32),  # else one is written into instance/
            "API_RATE_LIMIT": "1000000 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        env.pop(name, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"

    token = build_registry(env, args.count)
    auth = {"Authorization": f"Bearer {token}"}
    country, first_in_country = common_country(db_path)
    log(f"common country: {country} ({first_in_country} implementation projects list it first)")

    gunicorn = str(VENV_BIN / "gunicorn")
    registry_port, bare_port, datasette_port, uncached_port = (free_port() for _ in range(4))
    while len({registry_port, bare_port, datasette_port, uncached_port}) < 4:
        bare_port, datasette_port, uncached_port = free_port(), free_port(), free_port()
    registry_env = {**env, "REGISTRY_BIND": f"{HOST}:{registry_port}"}
    settings = gunicorn_settings(registry_env)
    registry = servers.start(
        "registry",
        [gunicorn, "--config", "gunicorn.conf.py", "wsgi:app"],
        registry_env,
        registry_port,
        "/healthz",
        logs,
    )

    list_query = f"country={country}&status=implementation"
    registry_path = f"/api/v1/projects?{list_query}&limit=50"
    status, _, page = get(registry_port, registry_path, auth)
    if status != 200:
        raise RuntimeError(f"GET {registry_path} answered {status}: {page[:500]!r}")
    registry_items = len(json.loads(page)["items"])
    body_file = work / "bare_body.json"
    body_file.write_bytes(page)

    export_path = "/api/v1/exports/projects.csv"
    status, _, _ = get(registry_port, export_path + "?status=cancelled&country=" + country, auth)
    if status == 404:
        raise RuntimeError(
            f"{export_path} answered 404: this checkout has no API CSV export "
            "yet (registry/api/exports.py)."
        )
    memory_exports = []
    registry_master = registry.process.pid
    log("registry: first full CSV export (cold workers; its rows become Datasette's table)")
    source_csv = work / "registry-export.csv"
    with RssSampler(registry_master, children=True) as sampler:
        seconds, size = download(registry_port, export_path, auth, source_csv)
    memory_exports.append(
        {"label": "cold export", "seconds": round(seconds, 2), "workers": sampler.growth_mb()}
    )
    log(f"  {size / 1e6:.1f} MB in {seconds:.2f}s")
    flat_path = work / "flat.db"
    flat_rows = build_flat(source_csv, flat_path)
    log(f"flat table: {flat_rows:,} rows in {flat_path.name}")

    # The same registry with its list cache off: every request builds its page (for reference).
    uncached_env = {**env, "REGISTRY_BIND": f"{HOST}:{uncached_port}", "API_LIST_CACHE_MB": "0"}
    servers.start(
        "uncached",
        [gunicorn, "--config", "gunicorn.conf.py", "wsgi:app"],
        uncached_env,
        uncached_port,
        "/healthz",
        logs,
    )
    bare_env = {**env, "REGISTRY_BIND": f"{HOST}:{bare_port}", "BARE_BODY_FILE": str(body_file)}
    servers.start(
        "bare",
        [gunicorn, "--config", "gunicorn.conf.py", "benchmarks.bare_app:app"],
        bare_env,
        bare_port,
        "/",
        logs,
    )
    datasette = servers.start(
        "datasette",
        [
            str(VENV_BIN / "datasette"),
            "serve",
            "--immutable",
            str(flat_path),
            "--host",
            HOST,
            "--port",
            str(datasette_port),
            "--setting",
            "sql_time_limit_ms",
            "10000",
            "--setting",
            "max_returned_rows",
            "1000000",
            "--setting",
            "allow_csv_stream",
            "1",
            "--setting",
            "num_sql_threads",
            "4",
            "--setting",
            "max_csv_mb",
            "0",
        ],
        env,
        datasette_port,
        "/-/versions.json",
        logs,
    )

    datasette_path = f"/flat/projects.json?{list_query}&_size=50&_shape=array"
    status, _, ds_page = get(datasette_port, datasette_path)
    if status != 200:
        raise RuntimeError(f"Datasette answered {status} to {datasette_path}: {ds_page[:300]!r}")
    contenders = [
        {
            "name": "registry",
            "port": registry_port,
            "path": registry_path,
            "headers": auth,
            "items": registry_items,
        },
        {"name": "bare", "port": bare_port, "path": "/", "headers": {}, "items": registry_items},
        {
            "name": "datasette",
            "port": datasette_port,
            "path": datasette_path,
            "headers": {},
            "items": len(json.loads(ds_page)),
        },
        {
            "name": "uncached",
            "port": uncached_port,
            "path": registry_path,
            "headers": auth,
            "items": registry_items,
        },
    ]
    log(f"LIST: warming up, then {args.rounds} rounds x {len(contenders)} contenders")
    list_results = measure_list(contenders, args)
    for contender in contenders:
        list_results[contender["name"]]["items"] = contender["items"]

    # ---- CSV: registry, Datasette's stream, and the sqlite3 floor, interleaved
    sqlite_cli = shutil.which("sqlite3")
    floor_label = "sqlite3 -csv (CLI)" if sqlite_cli else "python sqlite3+csv"
    datasette_csv = "/flat/projects.csv?_stream=on&_size=max"
    csv_runs: dict[str, list[float]] = {"registry": [], "datasette": [], "floor": []}
    csv_sizes: dict[str, int] = {}
    summaries: dict[str, dict] = {}
    datasette_growth = []

    def fetch_registry(dest: Path, round_number: int) -> float:
        with RssSampler(registry_master, children=True) as sampler:
            seconds, csv_sizes["registry"] = download(registry_port, export_path, auth, dest)
        memory_exports.append(
            {
                "label": f"round {round_number + 1}",
                "seconds": round(seconds, 2),
                "workers": sampler.growth_mb(),
            }
        )
        return seconds

    def fetch_datasette(dest: Path, _round: int) -> float:
        with RssSampler(datasette.process.pid, children=False) as sampler:
            seconds, csv_sizes["datasette"] = download(datasette_port, datasette_csv, {}, dest)
        datasette_growth.append(max(v["growth_mb"] for v in sampler.growth_mb().values()))
        return seconds

    def fetch_floor(dest: Path, _round: int) -> float:
        began = time.perf_counter()
        if sqlite_cli:
            with open(dest, "wb") as out:
                subprocess.run(
                    [sqlite_cli, "-csv", "-header", str(flat_path), "SELECT * FROM projects"],
                    stdout=out,
                    check=True,
                )
        else:
            with (
                sqlite3.connect(flat_path) as conn,
                open(dest, "w", newline="", encoding="utf-8") as out,
            ):
                cursor = conn.execute("SELECT * FROM projects")
                writer = csv.writer(out)
                writer.writerow([d[0] for d in cursor.description])
                writer.writerows(cursor)
        seconds = time.perf_counter() - began
        csv_sizes["floor"] = dest.stat().st_size
        return seconds

    fetchers = [
        ("registry", fetch_registry),
        ("datasette", fetch_datasette),
        ("floor", fetch_floor),
    ]
    log(f"CSV: {args.csv_rounds} rounds x 3 contenders")
    for round_number in range(args.csv_rounds):
        for name, fetch in rotate(fetchers, round_number):
            dest = work / f"{name}-{round_number}.csv"
            seconds = fetch(dest, round_number)
            csv_runs[name].append(seconds)
            summary = csv_summary(dest)
            if summaries.setdefault(name, summary) != summary:
                raise RuntimeError(f"{name}: the CSV differs from one round to the next")
            dest.unlink()
            log(f"CSV round {round_number + 1}/{args.csv_rounds} {name:<9} {seconds:7.2f}s")
    expected = summaries["registry"]
    rows_match = all(
        s["rows"] == args.count and s["identifiers_sha256"] == expected["identifiers_sha256"]
        for s in summaries.values()
    )
    labels = {
        "registry": "registry API",
        "datasette": "Datasette _stream",
        "floor": floor_label + " floor",
    }
    csv_results = {
        "client": download_client(),
        "rows_match": rows_match,
        "registry_url": export_path,
        "datasette_url": datasette_csv,
        "floor_tool": floor_label,
    }
    for name, runs in csv_runs.items():
        seconds = median(runs)
        csv_results[name] = {
            "label": labels[name],
            "seconds_median": round(seconds, 3),
            "seconds_rounds": [round(s, 3) for s in runs],
            "rows": summaries[name]["rows"],
            "columns": summaries[name]["columns"],
            "rows_per_s": round(summaries[name]["rows"] / seconds),
            "mb": round(csv_sizes[name] / 1e6, 2),
        }

    growths = [w["growth_mb"] for e in memory_exports for w in e["workers"].values()]
    memory = {
        "exports": memory_exports,
        "max_growth_mb": max(growths),
        "measured_rounds_max_growth_mb": max(
            w["growth_mb"] for e in memory_exports[1:] for w in e["workers"].values()
        ),
        "datasette_growth_mb": max(datasette_growth),
        "interval_s": 0.05,
    }

    import datasette as datasette_package

    return {
        "config": {
            "count": args.count,
            "rounds": args.rounds,
            "csv_rounds": args.csv_rounds,
            "concurrency": args.concurrency,
            "requests": args.requests,
            "seconds": args.seconds,
            "quick": args.quick,
            "country": country,
            "revision": revision,
            "load_average_at_start": round(load_before, 2),
            "gunicorn": f"{settings['workers']} x {settings['threads']} {settings['worker_class']}",
            "gunicorn_settings": settings,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "datasette": datasette_package.__version__,
            "flat_table": FLAT_COLUMNS_NOTE,
            "api_rate_limit": env["API_RATE_LIMIT"],
        },
        "list": list_results,
        "csv": csv_results,
        "memory": memory,
    }


def main() -> int:
    args = parse_args()
    if not in_venv():
        # Not outdated: this runs under whatever Python started the script, before the venv
        # exists, and that interpreter is the one the venv is built with.
        if sys.version_info < (3, 11):  # noqa: UP036
            sys.exit("Python 3.11 or later is needed (the registry's version).")
        ensure_venv()
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    work = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    servers = Servers()
    log(f"working in {work}")
    try:
        results = run(args, work, servers)
    finally:
        servers.stop_all()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["targets"] = targets(results)
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    results["runtime_s"] = round(time.monotonic() - T0, 1)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(report(results))
    print(f"Results: {RESULTS.relative_to(REPO)} (total {results['runtime_s']:.0f}s)")
    failed = [t["name"] for t in results["targets"] if not t["ok"]]
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
