"""The trend chart as server-rendered SVG: no script, no library, readable without colour.

NPS is a solid line with round markers (hollow when the period has few answers); the 95 %
interval is a grey band; the centre line is dashed and the control limits dotted; a period
outside its limits (a real shift) gets a large diamond and the word "shift" above or below it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from touchpoint.lib.numbers import format_count, format_signed
from touchpoint.reports.figures import TrendPoint

DESCRIPTION = gettext_lazy(
    "NPS per period with its 95 % interval as a band, the centre line dashed, the control "
    "limits dotted; diamonds mark a real shift. The same figures are in the table below the "
    "chart."
)
OUTSIDE = gettext_lazy("(outside the control limits: a real shift)")

RIGHT, TOP, BOTTOM = 12, 24, 44
# The time axis's text: its font size (app.css, `.trend .axis`), the average width of one of
# its characters in ems (about 0.5 for a sans-serif's digits and lower case, measured in
# Chromium), and the least space between two labels.
AXIS_FONT, AXIS_FONT_COMPACT, CHARACTER, LABEL_GAP = 11, 12, 0.55, 10


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _scale(points: Sequence[TrendPoint]) -> tuple[float, float]:
    values: list[float] = []
    for p in points:
        if p.figure.estimate.n:
            values += [p.figure.estimate.low, p.figure.estimate.high]
        if p.control.lower is not None and p.control.upper is not None:
            values += [p.control.lower, p.control.upper]
    if not values:
        return -100.0, 100.0
    low = max(-100.0, math.floor(min(values) / 10) * 10)
    high = min(100.0, math.ceil(max(values) / 10) * 10)
    if high - low < 20:
        low, high = max(-100.0, low - 10), min(100.0, high + 10)
    return low, high


def trend_svg(
    points: Sequence[TrendPoint], *, title: str, compact: bool = False, id_prefix: str = "trend"
) -> SafeString:
    """The chart for `points` (oldest first) as an inline <svg> element. The compact one is
    drawn for phones: a narrower canvas, so its text stays legible when scaled to fit."""
    WIDTH, HEIGHT, LEFT = (360, 240, 36) if compact else (720, 280, 44)
    most_labels = 4 if compact else 8
    low, high = _scale(points)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(points), 1)
    step = inner_w / count

    def x(i: int) -> float:
        return LEFT + step * (i + 0.5)

    def y(value: float) -> float:
        return TOP + inner_h * (high - value) / (high - low)

    out = [
        f'<svg class="trend {"compact" if compact else "wide"}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(DESCRIPTION)}</desc>',
    ]
    grid = 10 if high - low <= 80 else 20
    value = math.ceil(low / grid) * grid
    while value <= high:
        out.append(
            f'<line class="grid{" zero" if value == 0 else ""}" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{_fmt(y(value))}" y2="{_fmt(y(value))}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{_fmt(y(value) + 4)}" '
            f'text-anchor="end">{format_signed(value)}</text>'
        )
        value += grid
    # Interval band, one polygon per run of periods with answers.
    runs: list[list[int]] = [[]]
    for i, p in enumerate(points):
        if p.figure.estimate.n:
            runs[-1].append(i)
        elif runs[-1]:
            runs.append([])
    for run in runs:
        if not run:
            continue
        pad = step * 0.3 if len(run) == 1 else 0.0
        upper = [(x(i), y(points[i].figure.estimate.high)) for i in run]
        lower = [(x(i), y(points[i].figure.estimate.low)) for i in reversed(run)]
        if pad:
            upper = [(upper[0][0] - pad, upper[0][1]), (upper[0][0] + pad, upper[0][1])]
            lower = [(lower[0][0] + pad, lower[0][1]), (lower[0][0] - pad, lower[0][1])]
        coords = " ".join(f"{_fmt(a)},{_fmt(b)}" for a, b in upper + lower)
        out.append(f'<polygon class="band" points="{coords}"/>')
    # Centre line and control limits (limits are per period: they widen when n is small).
    centre = next((p.control.centre for p in points if p.control.centre is not None), None)
    if centre is not None:
        out.append(
            f'<line class="centre" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{_fmt(y(centre))}" y2="{_fmt(y(centre))}"/>'
        )
    for i, p in enumerate(points):
        for limit in (p.control.lower, p.control.upper):
            if limit is not None:
                out.append(
                    f'<line class="limit" x1="{_fmt(x(i) - step / 2)}" '
                    f'x2="{_fmt(x(i) + step / 2)}" y1="{_fmt(y(limit))}" y2="{_fmt(y(limit))}"/>'
                )
    # The NPS line, broken where a period has no answers.
    for run in runs:
        if len(run) > 1:
            coords = " ".join(f"{_fmt(x(i))},{_fmt(y(points[i].figure.estimate.nps))}" for i in run)
            out.append(f'<polyline class="line" points="{coords}"/>')
    for i, p in enumerate(points):
        e = p.figure.estimate
        if e.nps is None:
            continue
        cx, cy = x(i), y(e.nps)
        label = f"{p.label}: NPS {format_signed(e.nps)}, n = {format_count(e.n)}"
        if p.control.out_of_control:
            size = 7 if compact else 8
            out.append(
                f'<path class="shift" d="M{_fmt(cx)},{_fmt(cy - size)} L{_fmt(cx + size)},'
                f'{_fmt(cy)} L{_fmt(cx)},{_fmt(cy + size)} L{_fmt(cx - size)},{_fmt(cy)} Z">'
                f"<title>{escape(label)} {escape(OUTSIDE)}</title></path>"
            )
            above = e.nps >= (p.control.centre or 0)
            out.append(
                f'<text class="shift-label" x="{_fmt(cx)}" '
                f'y="{_fmt(cy - 12 if above else cy + 20)}" text-anchor="middle">'
                f"{escape(_('shift'))}</text>"
            )
        else:
            hollow = " hollow" if e.few_answers else ""
            out.append(
                f'<circle class="point{hollow}" cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="4">'
                f"<title>{escape(label)}</title></circle>"
            )
    texts = [p.mark for p in points]
    font = AXIS_FONT_COMPACT if compact else AXIS_FONT
    widest = max((len(t) for t in texts), default=0) * font * CHARACTER
    # Every how many periods a label fits beside the next one (and no more than most_labels).
    every = max(1, math.ceil(len(points) / most_labels), math.ceil((widest + LABEL_GAP) / step))
    for i, text in enumerate(texts):
        if i % every == 0:
            out.append(
                f'<text class="axis" x="{_fmt(x(i))}" y="{HEIGHT - BOTTOM + 18}" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
    out.append(
        f'<line class="axis-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" '
        f'y2="{HEIGHT - BOTTOM}"/>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 (every text is escaped above)
