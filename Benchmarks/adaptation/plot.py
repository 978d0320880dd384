#!/usr/bin/env python3
"""MAPE at 150 s against the new furnace's own labeled events, one panel per kind of shift, from the JSON that
`AdaptationBenchmark --json FILE` writes (several files are merged). Plain SVG, no plotting library.

Usage: python3 Benchmarks/adaptation/plot.py results.json [more.json ...] --out Benchmarks/adaptation/mape-vs-k.svg
"""
import json
import math
import sys
from collections import defaultdict


def main(argv):
    out = "mape-vs-k.svg"
    files = []
    i = 0
    while i < len(argv):
        if argv[i] == "--out":
            out = argv[i + 1]
            i += 2
        else:
            files.append(argv[i])
            i += 1
    results = []
    for name in files:
        with open(name) as handle:
            results += json.load(handle)
    cells = defaultdict(list)
    for result in results:
        cells[(result["family"], result["method"], result["k"])].append(result["score"]["mape150"])
    mean = {key: sum(values) / len(values) for key, values in cells.items()}
    families = sorted({family for family, _, _ in mean}, key=lambda f: [r["family"] for r in results].index(f))
    methods = sorted({m for _, m, _ in mean if m != "original"})
    ks = sorted({k for _, m, k in mean if m != "original"})
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    width, height, columns = 260, 190, 4
    rows = math.ceil(len(families) / columns)
    legend = 24 + 18 * len(methods)
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{columns * width}" height="{rows * height + legend}" '
        'font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    left, right, top, bottom = 42, 12, 22, 30
    for index, family in enumerate(families):
        x0 = (index % columns) * width
        y0 = (index // columns) * height
        original = mean.get((family, "original", 0))
        ratios = {
            (m, k): mean[(family, m, k)] / original
            for m in methods
            for k in ks
            if (family, m, k) in mean and original
        }
        low = min([0.5] + list(ratios.values()))
        high = max([1.2] + list(ratios.values()))

        def px(k):
            span = math.log(ks[-1]) - math.log(ks[0]) or 1
            return x0 + left + (math.log(k) - math.log(ks[0])) / span * (width - left - right)

        def py(value):
            return y0 + top + (high - value) / (high - low) * (height - top - bottom)

        svg.append(f'<text x="{x0 + left}" y="{y0 + 14}" font-weight="bold">{family} '
                   f'(original {original:.1f} %)</text>')
        svg.append(f'<line x1="{x0 + left}" x2="{x0 + width - right}" y1="{py(1):.1f}" y2="{py(1):.1f}" '
                   'stroke="#888" stroke-dasharray="4 3"/>')
        for tick in [t / 10 for t in range(int(low * 10), int(high * 10) + 1, 2)]:
            svg.append(f'<text x="{x0 + left - 4}" y="{py(tick) + 4:.1f}" text-anchor="end">{tick:.1f}</text>')
        for k in ks:
            svg.append(f'<text x="{px(k):.1f}" y="{y0 + height - 12}" text-anchor="middle">{k}</text>')
        for number, method in enumerate(methods):
            points = [(px(k), py(ratios[(method, k)])) for k in ks if (method, k) in ratios]
            if not points:
                continue
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            colour = colours[number % len(colours)]
            svg.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
    y = rows * height + 14
    svg.append(f'<text x="8" y="{y}">MAPE at 150 s ÷ the original model\'s (dashed: 1, doing nothing), '
               'against the new furnace\'s own labeled events (log scale); mean over seeds</text>')
    for number, method in enumerate(methods):
        y += 18
        colour = colours[number % len(colours)]
        svg.append(f'<line x1="10" x2="34" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" stroke-width="2"/>')
        svg.append(f'<text x="40" y="{y}">{method}</text>')
    svg.append("</svg>")
    with open(out, "w") as handle:
        handle.write("\n".join(svg) + "\n")
    print(f"wrote {out}: {len(families)} shifts, {len(methods)} methods, k = {ks}")


if __name__ == "__main__":
    main(sys.argv[1:])
