"""Pareto fronts: the points no other point beats on every objective
(all minimized)."""


def dominates(a, b):
    """``a`` is no worse than ``b`` on every objective and better on one."""
    return all(x <= y for x, y in zip(a, b)) and any(
        x < y for x, y in zip(a, b))


def front(items, objectives):
    """The non-dominated items, in input order. ``objectives(item)`` gives
    the tuple to minimize; items with a None objective are left out.
    Equal tuples are all kept (neither dominates the other)."""
    scored = [(it, tuple(objectives(it))) for it in items]
    scored = [(it, s) for it, s in scored if None not in s]
    # Sort by the objectives so a dominator always comes before the points
    # it dominates; then one pass against the front so far suffices.
    order = sorted(range(len(scored)), key=lambda i: scored[i][1])
    kept = []
    for i in order:
        s = scored[i][1]
        if not any(dominates(scored[j][1], s) for j in kept):
            kept.append(i)
    return [scored[i][0] for i in sorted(kept)]
