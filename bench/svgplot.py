"""A tiny SVG chart writer (standard library only): line/step series and bars on linear or
log axes, with ticks, a legend and dashed horizontal target lines."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]


@dataclass
class Series:
    label: str
    xs: list[float]
    ys: list[float]
    color: str | None = None
    dashed: bool = False
    markers: bool = False


@dataclass
class Panel:
    title: str
    xlabel: str
    ylabel: str
    series: list[Series] = field(default_factory=list)
    hlines: list[tuple[float, str]] = field(default_factory=list)  # (y, label): targets
    bars: list[tuple[str, float]] = field(default_factory=list)    # categorical bar chart
    logx: bool = False
    logy: bool = False
    ymin: float | None = None
    ymax: float | None = None


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=mag * 10)
    start = math.ceil(lo / step) * step
    ticks, t = [], start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _log_ticks(lo: float, hi: float) -> list[float]:
    out = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lo <= v <= hi:
                out.append(v)
    return out


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1000 and v == int(v):
        return f"{int(v):,}"
    if v == int(v):
        return str(int(v))
    return f"{v:g}"


def _panel_svg(p: Panel, x0: float, y0: float, w: float, h: float) -> list[str]:
    out = []
    ml, mr, mt, mb = 62, 16, 28, 44
    pw, ph = w - ml - mr, h - mt - mb
    out.append(f'<text x="{x0 + w / 2}" y="{y0 + 18}" text-anchor="middle" '
               f'font-weight="bold">{escape(p.title)}</text>')
    if p.bars:
        vals = [v for _, v in p.bars] + [y for y, _ in p.hlines]
        if p.logy:
            ylo = p.ymin if p.ymin is not None else min(v for v in vals if v > 0) / 2
            yhi = max(vals) * 2
            fy = lambda v: math.log10(max(v, ylo))  # noqa: E731
        else:
            ylo, yhi = 0.0, max(vals + [1e-9]) * 1.1
            fy = lambda v: v  # noqa: E731
        sy = lambda y: y0 + mt + ph - ph * (fy(y) - fy(ylo)) / (fy(yhi) - fy(ylo))  # noqa
        for t in (_log_ticks(ylo, yhi) if p.logy else _nice_ticks(ylo, yhi)):
            out.append(f'<text x="{x0 + ml - 6}" y="{sy(t) + 4:.1f}" font-size="11" '
                       f'text-anchor="end">{_fmt(t)}</text>')
            out.append(f'<line x1="{x0 + ml}" x2="{x0 + ml + pw}" y1="{sy(t):.1f}" '
                       f'y2="{sy(t):.1f}" stroke="#eee"/>')
        bw = pw / len(p.bars)
        for i, (lab, v) in enumerate(p.bars):
            bx = x0 + ml + i * bw + bw * 0.15
            top = sy(v)
            out.append(f'<rect x="{bx:.1f}" y="{top:.1f}" width="{bw * 0.7:.1f}" '
                       f'height="{y0 + mt + ph - top:.1f}" fill="{COLORS[0]}"/>')
            out.append(f'<text x="{bx + bw * 0.35:.1f}" y="{y0 + mt + ph + 14}" font-size="11" '
                       f'text-anchor="middle">{escape(lab)}</text>')
            out.append(f'<text x="{bx + bw * 0.35:.1f}" y="{top - 3:.1f}" '
                       f'font-size="11" text-anchor="middle">{_fmt(round(v, 1))}</text>')
    else:
        xs = [x for s in p.series for x in s.xs]
        ys = [y for s in p.series for y in s.ys] + [y for y, _ in p.hlines]
        if p.logy:
            ys = [y for y in ys if y > 0]
        xlo, xhi = min(xs), max(xs)
        ylo = p.ymin if p.ymin is not None else (min(ys) if p.logy else min(0.0, min(ys)))
        yhi = p.ymax if p.ymax is not None else max(ys) * (1.5 if p.logy else 1.1)
        if p.logy:
            ylo = ylo / 1.5
        fx = (lambda v: math.log10(v)) if p.logx else (lambda v: v)
        fy = (lambda v: math.log10(max(v, 1e-12))) if p.logy else (lambda v: v)
        sx = lambda x: x0 + ml + pw * (fx(x) - fx(xlo)) / ((fx(xhi) - fx(xlo)) or 1)  # noqa
        sy = lambda y: y0 + mt + ph - ph * (fy(min(max(y, ylo), yhi)) - fy(ylo)) / (  # noqa
            (fy(yhi) - fy(ylo)) or 1)
        for t in (_log_ticks(xlo, xhi) if p.logx else _nice_ticks(xlo, xhi)):
            out.append(f'<line x1="{sx(t):.1f}" x2="{sx(t):.1f}" y1="{y0 + mt}" '
                       f'y2="{y0 + mt + ph}" stroke="#eee"/>')
            out.append(f'<text x="{sx(t):.1f}" y="{y0 + mt + ph + 16}" font-size="11" '
                       f'text-anchor="middle">{_fmt(t)}</text>')
        for t in (_log_ticks(ylo, yhi) if p.logy else _nice_ticks(ylo, yhi)):
            out.append(f'<line x1="{x0 + ml}" x2="{x0 + ml + pw}" y1="{sy(t):.1f}" '
                       f'y2="{sy(t):.1f}" stroke="#eee"/>')
            out.append(f'<text x="{x0 + ml - 6}" y="{sy(t) + 4:.1f}" font-size="11" '
                       f'text-anchor="end">{_fmt(t)}</text>')
        for i, s in enumerate(p.series):
            c = s.color or COLORS[i % len(COLORS)]
            pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(s.xs, s.ys)
                           if not p.logy or y > 0)
            dash = ' stroke-dasharray="6,4"' if s.dashed else ""
            out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" '
                       f'stroke-width="1.6"{dash}/>')
            if s.markers:
                for x, y in zip(s.xs, s.ys):
                    out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{c}"/>')
        ly = y0 + mt + 8
        for i, s in enumerate(p.series):
            c = s.color or COLORS[i % len(COLORS)]
            dash = ' stroke-dasharray="6,4"' if s.dashed else ""
            out.append(f'<line x1="{x0 + ml + 10}" x2="{x0 + ml + 34}" y1="{ly}" y2="{ly}" '
                       f'stroke="{c}" stroke-width="2"{dash}/>')
            out.append(f'<text x="{x0 + ml + 40}" y="{ly + 4}" font-size="11">'
                       f'{escape(s.label)}</text>')
            ly += 15
    for y, lab in p.hlines:
        yy = sy(y)
        out.append(f'<line x1="{x0 + ml}" x2="{x0 + ml + pw}" y1="{yy:.1f}" y2="{yy:.1f}" '
                   f'stroke="#d62728" stroke-dasharray="4,3"/>')
        # Bars: above the line, left; lines: below the line, right (clear of the legend).
        tx, ty, anchor = ((x0 + ml + 4, yy - 4, "start") if p.bars else
                          (x0 + ml + pw - 4, yy + 13, "end"))
        out.append(f'<text x="{tx}" y="{ty:.1f}" font-size="11" '
                   f'text-anchor="{anchor}" fill="#d62728">{escape(lab)}</text>')
    out.append(f'<rect x="{x0 + ml}" y="{y0 + mt}" width="{pw}" height="{ph}" fill="none" '
               f'stroke="#333"/>')
    out.append(f'<text x="{x0 + ml + pw / 2}" y="{y0 + h - 8}" text-anchor="middle" '
               f'font-size="12">{escape(p.xlabel)}</text>')
    out.append(f'<text transform="translate({x0 + 14},{y0 + mt + ph / 2}) rotate(-90)" '
               f'text-anchor="middle" font-size="12">{escape(p.ylabel)}</text>')
    return out


def write(path: str, panels: list[Panel], cols: int = 2, panel_w: int = 480,
          panel_h: int = 300, title: str = "") -> None:
    rows = math.ceil(len(panels) / cols)
    top = 30 if title else 0
    w, h = cols * panel_w, rows * panel_h + top
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="13">',
           f'<rect width="{w}" height="{h}" fill="white"/>']
    if title:
        out.append(f'<text x="{w / 2}" y="20" text-anchor="middle" font-size="15" '
                   f'font-weight="bold">{escape(title)}</text>')
    for i, p in enumerate(panels):
        out += _panel_svg(p, (i % cols) * panel_w, top + (i // cols) * panel_h, panel_w, panel_h)
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
