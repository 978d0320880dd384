import Glibc
import Support

/// A line and point chart drawn as inline SVG: no script, no external resource.
struct SVGChart {
    /// One line or set of points.
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        var color: String
        /// Points only, no line between them.
        var pointsOnly = false
        var dashed = false
        /// Vertical error bars in the series' colour: from `low` to `high` at `x`; a `high` of nil is unbounded and
        /// drawn to the top of the plot, dashed.
        var intervals: [(x: Double, low: Double, high: Double?)] = []
        /// Pixels the points and bars are moved right by, so that several models' predictions at one checkpoint
        /// stand side by side.
        var offset = 0.0
    }

    /// A horizontal reference line (a threshold).
    struct Rule {
        var name: String
        var y: Double
        var color: String
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var rules: [Rule] = []
    /// How the x values are written on the axis.
    var xFormat: (Double) -> String = { NumberFormat.reading($0) }
    /// A logarithmic y axis (a pump-down curve spans atmosphere to a fraction of a millibar); values ≤ 0 are left
    /// out.
    var logY = false
    var width = 640.0
    var height = 260.0

    static let palette = ["#1f6fb2", "#d1495b", "#2e933c", "#8a4fbe", "#e08e0b", "#00798c", "#6b7580"]

    func render() -> String {
        let series =
            logY
            ? self.series.map { item in
                var item = item
                item.points = item.points.filter { $0.y > 0 }.map { ($0.x, log10($0.y)) }
                item.intervals = item.intervals.filter { $0.low > 0 }.map {
                    ($0.x, log10($0.low), $0.high.map { log10($0) })
                }
                return item
            } : self.series
        let rules =
            logY
            ? self.rules.filter { $0.y > 0 }.map { SVGChart.Rule(name: $0.name, y: log10($0.y), color: $0.color) }
            : self.rules
        let bounds = series.flatMap(\.intervals).flatMap { bar in
            [(x: bar.x, y: bar.low)] + (bar.high.map { [(x: bar.x, y: $0)] } ?? [])
        }
        let all = (series.flatMap(\.points) + bounds).filter { $0.x.isFinite && $0.y.isFinite }
        let left = 58.0
        let right = 12.0
        let top = 38.0
        let bottom = 40.0
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        svg += "<text x=\"\(left)\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(HTML.escape(title))</text>"
        guard let first = all.first else {
            return svg
                + "<text x=\"\(left)\" y=\"\(height / 2)\" font-size=\"12\" fill=\"#6b7580\">no data yet</text></svg>"
        }
        var minX = first.x
        var maxX = first.x
        var minY = first.y
        var maxY = first.y
        for point in all {
            minX = min(minX, point.x)
            maxX = max(maxX, point.x)
            minY = min(minY, point.y)
            maxY = max(maxY, point.y)
        }
        for rule in rules where rule.y.isFinite {
            minY = min(minY, rule.y)
            maxY = max(maxY, rule.y)
        }
        if maxX == minX { maxX = minX + 1 }
        if maxY == minY {
            maxY += max(abs(maxY) * 0.05, 0.5)
            minY -= max(abs(minY) * 0.05, 0.5)
        }
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - minX) / (maxX - minX) * plotWidth }
        func sx(_ x: Double) -> String { format(px(x)) }
        func sy(_ y: Double) -> String { format(top + (1 - (y - minY) / (maxY - minY)) * plotHeight) }
        svg +=
            "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(format(plotWidth))\" height=\"\(format(plotHeight))\" "
            + "fill=\"none\" stroke=\"#d5d9de\"/>"
        for step in 0...4 {
            let fraction = Double(step) / 4
            let y = minY + fraction * (maxY - minY)
            let x = minX + fraction * (maxX - minX)
            svg +=
                "<text x=\"\(left - 4)\" y=\"\(sy(y))\" font-size=\"10\" text-anchor=\"end\" "
                + "dominant-baseline=\"middle\">\(HTML.escape(NumberFormat.reading(roundedForAxis(logY ? pow(10, y) : y))))</text>"
            svg +=
                "<text x=\"\(sx(x))\" y=\"\(format(height - bottom + 14))\" font-size=\"10\" "
                + "text-anchor=\"middle\">\(HTML.escape(xFormat(x)))</text>"
        }
        svg +=
            "<text x=\"\(format(left + plotWidth / 2))\" y=\"\(format(height - 6))\" font-size=\"11\" "
            + "text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        svg +=
            "<text x=\"12\" y=\"\(format(top + plotHeight / 2))\" font-size=\"11\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 12 \(format(top + plotHeight / 2)))\">\(HTML.escape(yLabel))</text>"
        for rule in rules where rule.y.isFinite {
            svg +=
                "<line x1=\"\(left)\" x2=\"\(format(left + plotWidth))\" y1=\"\(sy(rule.y))\" y2=\"\(sy(rule.y))\" "
                + "stroke=\"\(rule.color)\" stroke-dasharray=\"4 3\"><title>\(HTML.escape(rule.name))</title></line>"
        }
        var legendX = left
        for item in series {
            let points = item.points.filter { $0.x.isFinite && $0.y.isFinite }
            if !item.pointsOnly && points.count > 1 {
                let path = points.map { "\(sx($0.x)),\(sy($0.y))" }.joined(separator: " ")
                svg +=
                    "<polyline fill=\"none\" stroke=\"\(item.color)\" stroke-width=\"1.6\""
                    + (item.dashed ? " stroke-dasharray=\"5 3\"" : "") + " points=\"\(path)\"/>"
            }
            // Where this series' points and bars stand: moved by its offset.
            func dx(_ x: Double) -> Double { px(x) + item.offset }
            for bar in item.intervals where bar.x.isFinite && bar.low.isFinite {
                let high = bar.high.flatMap { $0.isFinite ? sy($0) : nil } ?? format(top)
                let label =
                    "\(item.name) at \(xFormat(bar.x)): "
                    + "\(NumberFormat.reading(logY ? pow(10, bar.low) : bar.low))–"
                    + (bar.high.map { NumberFormat.reading(logY ? pow(10, $0) : $0) } ?? "∞")
                func cap(_ y: String) -> String {
                    "<line x1=\"\(format(dx(bar.x) - 4))\" x2=\"\(format(dx(bar.x) + 4))\" y1=\"\(y)\" y2=\"\(y)\"/>"
                }
                svg +=
                    "<g class=\"interval\" stroke=\"\(item.color)\" stroke-width=\"1.2\">"
                    + "<title>\(HTML.escape(label))</title>"
                    + "<line x1=\"\(format(dx(bar.x)))\" x2=\"\(format(dx(bar.x)))\" y1=\"\(sy(bar.low))\" "
                    + "y2=\"\(high)\""
                    + (bar.high == nil ? " stroke-dasharray=\"3 2\"" : "") + "/>"
                    + cap(sy(bar.low)) + (bar.high == nil ? "" : cap(high))
                    + "</g>"
            }
            if item.pointsOnly || points.count <= 40 {
                for point in points {
                    svg +=
                        "<circle cx=\"\(format(dx(point.x)))\" cy=\"\(sy(point.y))\" r=\"3\" fill=\"\(item.color)\"/>"
                }
            }
            svg +=
                "<rect x=\"\(format(legendX))\" y=\"21\" width=\"10\" height=\"10\" fill=\"\(item.color)\"/>"
                + "<text x=\"\(format(legendX + 14))\" y=\"30\" font-size=\"11\">\(HTML.escape(item.name))</text>"
            legendX += 24 + Double(item.name.count) * 6.5
        }
        return svg + "</svg>"
    }

    private func format(_ value: Double) -> String { NumberFormat.fixed(value, decimals: 1, trimmingZeros: true) }

    private func roundedForAxis(_ value: Double) -> Double {
        let magnitude = abs(value)
        guard magnitude > 0 else { return 0 }
        let digits = magnitude >= 100 ? 0 : magnitude >= 1 ? 2 : 4
        let factor = pow(10, Double(digits))
        return (value * factor).rounded() / factor
    }
}
