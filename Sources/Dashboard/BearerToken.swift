/// The token a dashboard listening beyond loopback requires, sent as `Authorization: Bearer TOKEN`.
enum BearerToken {
    /// Whether an `Authorization` header carries the token, compared in time that does not depend on where the
    /// bytes differ.
    static func authorizes(_ header: String?, token: [UInt8]) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        return constantTimeEqual(Array(header.utf8.dropFirst(7)), token)
    }

    /// Equal byte strings, reading every byte of the longer whatever the contents.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
