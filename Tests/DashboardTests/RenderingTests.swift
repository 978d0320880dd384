import Testing

@testable import Dashboard

@Suite("Rendering")
struct RenderingTests {
    @Test("Text from the database is escaped for element content and attributes")
    func escaping() {
        #expect(
            HTML.escape("<script>alert('x') & \"y\"</script>")
                == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
        #expect(HTML.pathSegment("furnace a/<b>") == "furnace%20a%2F%3Cb%3E")
        let page = HTML.page(title: "<b>furnace</b>", section: nil, refreshSeconds: nil, body: "")
        #expect(page.contains("<h1>&lt;b&gt;furnace&lt;/b&gt;</h1>"))
        #expect(!page.contains("<script"), "no script without a refresh")
    }

    @Test("A chart escapes its labels, draws its lines, and says when it has no data")
    func chart() {
        let chart = SVGChart(
            title: "event <1>", xLabel: "s", yLabel: "mbar",
            series: [SVGChart.Series(name: "p&q", points: [(0, 1000), (30, 10), (60, 0.2)], color: "#000")],
            rules: [SVGChart.Rule(name: "threshold", y: 1, color: "#f00")], logY: true)
        let svg = chart.render()
        #expect(svg.contains("event &lt;1&gt;"))
        #expect(svg.contains("p&amp;q"))
        #expect(svg.contains("<polyline"))
        #expect(svg.contains(">1000</text>"), "the log axis is labeled in millibar")
        let empty = SVGChart(title: "none", xLabel: "", yLabel: "", series: []).render()
        #expect(empty.contains("no data yet"))
    }

    @Test("Prometheus label values escape backslash, quote and line feed")
    func prometheusEscaping() throws {
        var exposition = PrometheusExposition()
        exposition.family("hearth_test_total", .counter, "A test.\nSecond line.")
        exposition.sample("hearth_test_total", [("device", "a\"b\\c\nd")], 3)
        let families = try PrometheusTextParser.parse(exposition.text)
        #expect(families["hearth_test_total"]?.samples.first?.labels["device"] == "a\"b\\c\nd")
        #expect(families["hearth_test_total"]?.type == "counter")
    }

    @Test("Bearer tokens compare equal only when every byte matches, whatever the lengths")
    func constantTime() {
        let token = Array("secret".utf8)
        #expect(BearerToken.authorizes("Bearer secret", token: token))
        #expect(!BearerToken.authorizes("Bearer secreT", token: token))
        #expect(!BearerToken.authorizes("Bearer secret2", token: token))
        #expect(!BearerToken.authorizes("Basic secret", token: token))
        #expect(!BearerToken.authorizes(nil, token: token))
    }
}
