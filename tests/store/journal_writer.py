"""Run by the crash test: appends journal batches until it is killed.

    python journal_writer.py URL HOTLINE

After each ``append`` returns it prints ``<batch> <size> <last seq>``. Batch *n* holds ``size``
arrivals named ``b<n>-<i>``, so that the test can tell whole batches from torn ones.
"""

from __future__ import annotations

import random
import sys

from verbund.engine import ContactArrived
from verbund.store import Journal, open_database


def main() -> None:
    url, hotline = sys.argv[1:3]
    journal = Journal(open_database(url), hotline)
    rng = random.Random(7)
    batch = 0
    while True:
        batch += 1
        size = rng.choice([1, 1, 1, 2, 3, 5, 20])
        last = journal.append(
            [
                (float(batch), ContactArrived(f"b{batch}-{i}", f"+49{batch}", "termin", "de"))
                for i in range(size)
            ]
        )
        print(batch, size, last, flush=True)


if __name__ == "__main__":
    main()
