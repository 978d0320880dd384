import Agent

/// The polls and readings counters of `/metrics`, counted from the first scrape on: each scrape adds the
/// readings stamped after the newest it counted before (an index range), so a scrape costs the same on a database
/// of 90 days as on one of an hour. Like any Prometheus counter they restart at zero with the process.
actor CollectionCounter {
    private var watermark: Int64?
    private var totals: [String: CollectionTotals] = [:]
    private var counting = false

    /// The counters, brought up to date (a scrape arriving while another counts gets the totals as they are).
    func totals(store: AgentStore) async throws -> [String: CollectionTotals] {
        guard !counting else { return totals }
        counting = true
        defer { counting = false }
        if watermark == nil { watermark = try await store.newestReadingTime() ?? .min }
        let (added, newest) = try await store.collectionTotals(after: watermark ?? .min)
        for (device, counts) in added {
            var total = totals[device] ?? CollectionTotals(okPolls: 0, failedPolls: 0, readingsByStatus: [:])
            total.okPolls += counts.okPolls
            total.failedPolls += counts.failedPolls
            for (status, count) in counts.readingsByStatus { total.readingsByStatus[status, default: 0] += count }
            totals[device] = total
        }
        if let newest { watermark = newest }
        return totals
    }
}
