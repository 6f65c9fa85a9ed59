"""What the pool's connection check costs a request: A/B, interleaved, medians.

    .venv/bin/python benchmarks/bench_pool_check.py [--dsn postgres://postgres@127.0.0.1:5432/postgres]

A request that touches the database borrows a connection from the pool, runs its
queries and gives it back. With `check=ConnectionPool.check_connection` (the setting
in servicedesk/settings.py) the pool first runs an empty statement on it: one round
trip more. Each round times `--borrows` borrow + `SELECT 1` + return with each pool,
taking turns; the medians of the rounds are printed. Reads nothing of the app's data.
"""

import argparse
import statistics
import time

from psycopg_pool import ConnectionPool


def borrow_and_query(pool: ConnectionPool, times: int) -> float:
    """Microseconds per borrow + one query + return, over `times` borrows."""
    start = time.perf_counter()
    for _ in range(times):
        with pool.connection() as connection:
            connection.execute("SELECT 1").fetchone()
    return (time.perf_counter() - start) / times * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--borrows", type=int, default=2000)
    args = parser.parse_args()
    pools = {
        "without check": ConnectionPool(args.dsn, min_size=1, max_size=1, open=True),
        "with check": ConnectionPool(
            args.dsn, min_size=1, max_size=1, open=True, check=ConnectionPool.check_connection
        ),
    }
    results = {name: [] for name in pools}
    try:
        for pool in pools.values():
            pool.wait()
            borrow_and_query(pool, 200)  # warm-up
        for _ in range(args.rounds):
            for name, pool in pools.items():
                results[name].append(borrow_and_query(pool, args.borrows))
    finally:
        for pool in pools.values():
            pool.close()
    for name, times in results.items():
        print(f"{name:14} {statistics.median(times):7.1f} µs per borrow + SELECT 1 + return")
    extra = statistics.median(results["with check"]) - statistics.median(results["without check"])
    print(f"the check costs {extra:.1f} µs a request that uses the database")


if __name__ == "__main__":
    main()
