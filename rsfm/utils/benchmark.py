"""What the side-by-side benchmark scripts (``tools/analysis_tools/
benchmark_*.py``) share: timing steps of several models in ABBA order, the
peak memory of a run, and the Markdown table with the ratios."""
import os
import statistics
import sys
import threading
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch

#: a result row: (model name, median ms per step, steps per second, MiB)
Row = Tuple[str, float, float, float]


def timed(fn: Callable[[], object], device: str) -> float:
    """Milliseconds ``fn()`` takes (CUDA work waited for)."""
    start = time.perf_counter()
    fn()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1000


def abba_times(names: Sequence[str], step: Callable[[str], float],
               warmup: int, iters: int) -> Dict[str, List[float]]:
    """``step(name)`` (ms) for each model, alternating ABBA so that drift of
    the machine falls on both; the first ``warmup`` rounds are dropped."""
    times = {name: [] for name in names}
    for i in range(warmup + iters):
        order = list(names) if i % 2 else list(names)[::-1]
        for name in order:
            ms = step(name)
            if i >= warmup:
                times[name].append(ms)
    return times


def rss_mib() -> float:
    """Resident set size of this process (MiB, Linux)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def peak_memory(run: Callable[[], object], device: str) -> float:
    """Peak memory of ``run()`` above what was held before it (MiB): on
    CUDA the peak allocated; on CPU the peak resident set, sampled every
    millisecond. Run it in a fresh process per model for a fair baseline."""
    if device.startswith('cuda'):
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        run()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    base, peak, done = rss_mib(), [0.], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mib())
            time.sleep(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        run()
    finally:
        done.set()
        sampler.join()
    return max(peak[0], rss_mib()) - base


def rows_of(times: Dict[str, List[float]],
            memory: Callable[[str], float]) -> List[Row]:
    """Median ms, steps per second and ``memory(name)`` per model."""
    rows = []
    for name, values in times.items():
        ms = statistics.median(values)
        rows.append((name, ms, 1000 / ms, memory(name)))
    return rows


def results_table(rows: Sequence[Row], device: str,
                  unit: str = 'step') -> List[str]:
    """Markdown table of ``rows`` and, for two, the ratio line (first /
    second: < 1 means the first is faster or smaller)."""
    memory = f'{unit} peak allocated (CUDA)' \
        if device.startswith('cuda') else f'{unit} peak RSS growth'
    lines = [f'| model | ms / {unit} | {unit}s / s | {memory} MiB |',
             '|---|---|---|---|']
    lines += [f'| {n} | {ms:.0f} | {rate:.2f} | {mib:.0f} |'
              for n, ms, rate, mib in rows]
    if len(rows) == 2:
        ratio = f'{rows[0][3] / rows[1][3]:.2f}' if rows[1][3] > 0 \
            else 'n/a (no growth measured)'
        lines += ['', f'{rows[0][0]} / {rows[1][0]}: time '
                  f'{rows[0][1] / rows[1][1]:.2f}, memory {ratio}']
    return lines


def emit_report(text: str, out: Optional[str] = None) -> None:
    """Print a benchmark's report, and write it to the new file ``out``
    (whole or not at all)."""
    from rsfm.utils.atomic import write_text_atomically
    sys.stdout.write(text)
    if out:
        write_text_atomically(out, text)
