"""percentile.py: the one percentile the reliability suite's judges report
(check_log.py, check_starvation.py), so that a "p99" means the same in
every scenario's criteria and docs/reliability.md.
"""


def pct(values, q):
    """The nearest-rank `q` quantile (0 <= q <= 1) of `values`: the element
    at index floor(q * n) of the sorted values (the largest for q = 1), a
    value that was measured, never one interpolated between two; 0 for no
    values, so an empty phase reports 0 ms rather than failing."""
    if not values:
        return 0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]
