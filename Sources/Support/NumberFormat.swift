import Glibc

/// The one way Hearth writes numbers for people: in messages, the log, the command line's tables.
public enum NumberFormat {
    /// As a person would write the value given: `1100`, not `1100.0`; `0.25`; non-finite values as `nan`, `inf`,
    /// `-inf`.
    public static func exact(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : value > 0 ? "inf" : "-inf" }
        return value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A measured value with the digits that matter: integers as they are, else 1 decimal from 100 up, 2 from 1,
    /// 4 from 0.01, 6 below (`812.5`, `3.14`, `0.2141`).
    public static func reading(_ value: Double) -> String {
        guard value.isFinite else { return exact(value) }
        if value == value.rounded() && abs(value) < 1e9 { return String(Int64(value)) }
        let magnitude = abs(value)
        let decimals = magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : magnitude >= 0.01 ? 4 : 6
        return fixed(value, decimals: decimals, trimmingZeros: true)
    }

    /// A value rounded to `decimals` places (`fixed(3.14159, decimals: 3)` is `3.142`), optionally without trailing
    /// zeros.
    public static func fixed(_ value: Double, decimals: Int, trimmingZeros: Bool = false) -> String {
        guard value.isFinite else { return exact(value) }
        let factor = pow(10, Double(max(0, decimals)))
        var scaled = (value * factor).rounded() / factor
        if scaled == 0 { scaled = 0 }  // no "-0"
        let negative = scaled < 0
        let units = (abs(scaled) * factor).rounded()
        guard units < 9e15 else { return String(scaled) }
        let whole = Int64(units / factor)
        var fraction = String(Int64(units) - whole * Int64(factor))
        fraction = String(repeating: "0", count: max(0, decimals - fraction.count)) + fraction
        if trimmingZeros { while fraction.last == "0" { fraction.removeLast() } }
        let text = decimals > 0 && !fraction.isEmpty ? "\(whole).\(fraction)" : "\(whole)"
        return negative ? "-" + text : text
    }

    /// A percentage, rounded to a whole number: `12 %`.
    public static func percent(_ value: Double) -> String {
        value.isFinite ? "\(Int64(value.rounded())) %" : "\(exact(value)) %"
    }

    /// A p-value or other small probability: `0.032`, `< 1e-10` for tiny ones (never `infe-323`).
    public static func probability(_ value: Double) -> String {
        guard value.isFinite else { return exact(value) }
        if value < 1e-10 { return "< 1e-10" }
        if value < 0.001 {
            let exponent = Int(floor(log10(value)))
            return "\(fixed(value / pow(10, Double(exponent)), decimals: 1))e\(exponent)"
        }
        return fixed(value, decimals: 3, trimmingZeros: true)
    }
}
