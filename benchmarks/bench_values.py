"""Benchmark perfeval._values: print parse_value / parse_number calls per second.

Run: ``python benchmarks/bench_values.py [N]`` (default N = 100000).  Three
figures are printed: typical table values (mostly repeated, served by the cache),
unique values (every call a cache miss: the cold path) and parse_number.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from perfeval import _values  # noqa: E402
from perfeval._values import parse_number, parse_value  # noqa: E402

FORMS = [
    "100%", "100.00%", "≥98%", "≥95", "98", "1", "≥100百分比", "≥50个", "≤90万元",
    "≤ 30 万元", ">=98%", "大于等于95%", "不低于95%", "不少于50个", "不超过30万元",
    "95%以上", "=100%", "100 ％", "不突破预算", "控制在预算内", "完成", "达成年度指标",
    "部分达成年度指标并具有一定效果", "效果明显", "", None, "\u3000", "９８％", "到98%",
    "2 98%", "W30万元", "完成率98%", "95%-100%", "社会公众或服务对象满意度≥95%",
]
PREFIXES = ["", "≥", "≤", "不低于", "到", "W", "2 ", "完成率"]
UNITS = ["%", "", "万元", "个", "次", "%以上", "百分比"]


def _rate(label: str, func, items) -> None:
    start = time.perf_counter()
    for text, ref in items:
        func(text, ref)
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {len(items):>8} calls  {elapsed:7.3f} s  {len(items) / elapsed:>12,.0f} calls/s")


def main(n: int = 100_000) -> None:
    rng = random.Random(20240101)
    typical = [(rng.choice(FORMS), rng.choice([None, "%"])) for _ in range(n)]
    unique = [
        (f"{rng.choice(PREFIXES)}{rng.uniform(0, 1000):.{rng.randint(0, 4)}f}{rng.choice(UNITS)}", rng.choice([None, "%"]))
        for _ in range(n)
    ]
    numbers = [(f"{rng.uniform(-1e6, 1e6):,.{rng.randint(0, 4)}f}", None) for _ in range(n)]

    _values._parse_str.cache_clear()
    _values._normalise_str.cache_clear()
    _rate("parse_value, typical table values (cached)", parse_value, typical)
    _values._parse_str.cache_clear()
    _values._normalise_str.cache_clear()
    _rate("parse_value, unique values (cold)", parse_value, unique)
    _rate("parse_number", lambda t, _r: parse_number(t), numbers)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
