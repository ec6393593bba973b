"""Two pictures for the board, drawn as inline SVG (no script library, nothing from a CDN).

Where a picture reads faster than the table: how the district's units moved from 未报送 to
已通过 over the days before the deadline, and which units carry the applications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from govxl.collect.status import Status
from govxl.desk.archive import Upload
from govxl.desk.overlay import Judged
from govxl.forms.compute import Value, is_number
from govxl.forms.expr import Sum
from govxl.forms.returns import Return

COLOURS = {
    "missing": "#bfbfbf",
    "failed": "#e06666",
    "warned": "#f1c232",
    "passed": "#6aa84f",
}
LEGEND = {"passed": "已通过", "warned": "有警告", "failed": "未通过", "missing": "未报送"}


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str
    """Markup to put in the page as it is: every text in it is escaped here."""


def by_day(uploads: list[Upload], units: int, deadline: date | None, today: date) -> Chart:
    """Units by the verdict of their latest upload at the end of each day, stacked."""
    days = _days(uploads, deadline, today)
    latest: dict[str, str] = {}
    stacks = []
    ups = sorted(uploads, key=lambda u: u.at)
    k = 0
    for day in days:
        while k < len(ups) and datetime.fromisoformat(ups[k].at).date() <= day:
            latest[ups[k].unit] = ups[k].verdict
            k += 1
        n = dict.fromkeys(COLOURS, 0)
        for v in latest.values():
            n["failed" if v in (Status.FAILED, Status.UNREADABLE) else v] += 1
        n["missing"] = max(units - len(latest), 0)
        stacks.append(n)
    w, h, left, bottom, top = 640, 230, 36, 28, 30
    bar = (w - left - 10) / max(len(days), 1)
    scale = (h - bottom - top) / max(units, 1)
    parts = [_svg_open(w, h, "各单位报送状态（按日）")]
    for i, (day, n) in enumerate(zip(days, stacks, strict=True)):
        y: float = h - bottom
        x = left + i * bar
        for key in ("passed", "warned", "failed", "missing"):
            if day > today:
                break  # days still to come: nothing to draw yet
            height = n[key] * scale
            if height:
                parts.append(
                    f'<rect x="{x + 1:.1f}" y="{y - height:.1f}" width="{bar - 2:.1f}" '
                    f'height="{height:.1f}" fill="{COLOURS[key]}">'
                    f"<title>{day:%m-%d} {LEGEND[key]} {n[key]}</title></rect>"
                )
            y -= height
        if len(days) <= 16 or i % max(len(days) // 8, 1) == 0:
            parts.append(_text(x + bar / 2, h - bottom + 14, f"{day:%m-%d}", "middle"))
        if deadline == day:
            parts.append(
                f'<line x1="{x + bar:.1f}" x2="{x + bar:.1f}" y1="{top - 6}" y2="{h - bottom}" '
                'stroke="#cc0000" stroke-dasharray="4 3"/>'
            )
            parts.append(_text(x + bar - 3, top + 6, "截止", "end", "#cc0000"))
        if day == today:
            parts.append(_text(x + bar / 2, h - 2, "今天", "middle", "#1f5fbf"))
    parts.append(_text(left - 4, h - bottom, "0", "end"))
    parts.append(_text(left - 4, top + 4, str(units), "end"))
    parts += _legend(w)
    parts.append("</svg>")
    return Chart("报送进度（按日）", "".join(parts))


def _days(uploads: list[Upload], deadline: date | None, today: date) -> list[date]:
    first = min((datetime.fromisoformat(u.at).date() for u in uploads), default=today)
    last = max(today, deadline or today) if deadline and deadline - today < timedelta(31) else today
    first = min(first, last - timedelta(6))
    if (last - first).days > 59:
        first = last - timedelta(59)
    return [first + timedelta(d) for d in range((last - first).days + 1)]


def applications(j: Judged, cell_id: str, limit: int = 15) -> Chart:
    """The units' 本年新收申请 of the version that counts, largest first."""
    items: list[tuple[float, str]] = []
    for u in j.report.units:
        fr = j.by_file.get(u.file)
        if fr is None or fr.ret is None or not u.status.accepted:
            continue
        value = _value(fr.ret, cell_id)
        if is_number(value) and not isinstance(value, str) and value is not None:
            items.append((float(value), u.name))
    items.sort(reverse=True)
    shown = items[:limit]
    w, row, left = 640, 18, 190
    h = max(len(shown), 1) * row + 30
    top = max((v for v, _ in shown), default=0.0) or 1.0
    parts = [_svg_open(w, h, "本年新收申请数量（按单位）")]
    for i, (v, name) in enumerate(shown):
        y = 8 + i * row
        width = (w - left - 60) * v / top
        label = name if len(name) <= 13 else name[:12] + "…"
        parts.append(_text(left - 6, y + 12, label, "end"))
        parts.append(
            f'<rect x="{left}" y="{y + 2}" width="{width:.1f}" height="{row - 5}" '
            f'fill="#3d85c6"><title>{escape(name)} {v:g}</title></rect>'
        )
        parts.append(_text(left + width + 4, y + 12, f"{v:g}", "start"))
    if not shown:
        parts.append(_text(w / 2, 20, "还没有通过审核的报表", "middle"))
    if len(items) > limit:
        parts.append(
            _text(left, h - 6, f"只画出最多的 {limit} 个单位（共 {len(items)} 个）", "start")
        )
    parts.append("</svg>")
    return Chart("本年新收申请（按单位，已通过审核的报表）", "".join(parts))


def _value(ret: Return, cell_id: str) -> Value:
    """One cell's value; a total of inputs is added up here rather than computing the whole
    return (a thousand units' returns on every view of the board)."""
    if cell_id in ret.values:
        return ret.values[cell_id]
    inst = ret.form.definition_of(cell_id)
    parts = [ret.values.get(r) for r in inst.refs]
    if isinstance(inst.node, Sum) and len(parts) == len(inst.refs) and all(map(is_number, parts)):
        return sum(parts)  # type: ignore[arg-type]  # numbers, checked just above
    return ret.all_values().get(cell_id)


def _svg_open(w: int, h: int, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
        f'role="img" aria-label="{escape(label)}" class="chart">'
    )


def _text(x: float, y: float, text: str, anchor: str, fill: str = "#333") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" '
        f'font-size="11">{escape(text)}</text>'
    )


def _legend(w: int) -> list[str]:
    out = []
    x = 40
    for key in ("passed", "warned", "failed", "missing"):
        out.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[key]}"/>')
        out.append(_text(x + 13, 13, LEGEND[key], "start"))
        x += 64
    return out
