/// The dashboard's HTML: escaping and the page every view is set in.
enum HTML {
    /// Text made safe for element content and quoted attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A path segment made safe for a link (furnace ids are `[A-Za-z0-9_-]` in practice; anything else is
    /// percent-encoded).
    static func pathSegment(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                let digits = Array("0123456789ABCDEF")
                encoded += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return encoded
    }

    /// The pages named in the navigation bar.
    enum Section: String, CaseIterable {
        case overview = "/"
        case models = "/models"
        case alarms = "/alarms"
        case metrics = "/metrics"

        var title: String {
            switch self {
            case .overview: "Overview"
            case .models: "Models"
            case .alarms: "Alarms"
            case .metrics: "Metrics"
            }
        }
    }

    /// A whole document: the navigation, the body, and (when `refreshSeconds` is given) a few lines of script that
    /// reload the page; without script the page is the same, only not refreshed.
    static func page(title: String, section: Section?, refreshSeconds: Int? = 15, body: String) -> String {
        let navigation = Section.allCases.map { item in
            let current = item == section ? " aria-current=\"page\"" : ""
            return "<a href=\"\(item.rawValue)\"\(current)>\(item.title)</a>"
        }.joined(separator: " ")
        let refresh = refreshSeconds.map { "<script src=\"/refresh.js\" data-seconds=\"\($0)\"></script>" } ?? ""
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Hearth</title>
            <link rel="stylesheet" href="/style.css">
            </head>
            <body>
            <header><strong>Hearth</strong> <nav>\(navigation)</nav></header>
            <main>
            <h1>\(escape(title))</h1>
            \(body)
            </main>
            \(refresh)
            </body>
            </html>

            """
    }

    /// A table with a header row, scrolling sideways on its own when wider than the page; cells are HTML already
    /// escaped by the caller.
    static func table(_ headers: [String], _ rows: [[String]], empty: String = "none") -> String {
        guard !rows.isEmpty else { return "<p class=\"muted\">\(escape(empty))</p>" }
        let head = headers.map { "<th>\(escape($0))</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<div class=\"wide\"><table><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table></div>"
    }

    /// The pages' own reload, served from the dashboard itself so the content security policy allows no inline
    /// script.
    static let refreshScript = """
        (function () {
            var seconds = Number(document.currentScript.dataset.seconds);
            if (seconds > 0) { setTimeout(function () { location.reload(); }, seconds * 1000); }
        })();

        """

    /// The one stylesheet.
    static let style = """
        body{font-family:system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
        header{background:#23303d;color:#fff;padding:.6em 1em}header a{color:#cfe3ff;margin-left:1em}
        header a[aria-current]{color:#fff;font-weight:bold}main{padding:0 1em 2em}
        table{border-collapse:collapse;background:#fff;margin:.5em 0}td,th{border:1px solid #d5d9de;padding:.25em .5em;
        text-align:left;font-size:.92em}th{background:#eceff2}.muted{color:#6b7580}.bad{color:#b3261e;font-weight:bold}
        .ok{color:#1f7a3a}.card{background:#fff;border:1px solid #d5d9de;border-radius:6px;padding:.6em 1em;
        margin:1em 0}.cards{display:flex;flex-wrap:wrap;gap:1em}.cards .card{flex:1 1 30em;margin:0}
        svg{background:#fff;max-width:100%}h2{margin-top:1.4em}code{font-size:.95em}
        .wide{overflow-x:auto;max-width:100%}
        """
}
