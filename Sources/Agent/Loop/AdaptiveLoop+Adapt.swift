import Drift
import Plant
import SQLite

extension AdaptiveLoop {
    /// After an event's label arrived: judge shadows and recently promoted champions, check drift, and start a
    /// candidate when the furnace drifted or was onboarded.
    func afterLabel(device: String) async {
        guard furnaces[device] != nil else { return }
        do {
            deployments = try await store.deployments()
            try await judgeShadows(device)
            try await judgeChampion(device)
            furnaces[device]?.labeledSinceDriftCheck += 1
            guard configuration.policy.adapt, !training.contains(device),
                !deployments.contains(where: { $0.device == device && $0.role == "shadow" && !isWatch($0) })
            else { return }
            let events = try await store.events(device: device, limit: configuration.policy.driftWindow)
            let ownLabeled = try await store.events(device: device, labeledOnly: true, limit: 1_000_000).count
            let onboarding = furnaces[device]?.onboarding ?? false
            let last = furnaces[device]?.ownEventsAtLastCandidate ?? 0
            let grown = last == 0 || Double(ownLabeled) >= configuration.policy.retrainGrowth * Double(last)
            if onboarding {
                guard events.count >= configuration.policy.onboardingEvents else { return }
                furnaces[device]?.labeledSinceDriftCheck = 0
                let drifted = try await checkDrift(device, events: events)
                startCandidate(
                    for: device, ownEvents: ownLabeled,
                    trigger: "onboarding\(drifted == true ? " (drift confirmed)" : "")")
                return
            }
            if (furnaces[device]?.labeledSinceDriftCheck ?? 0) >= 3 {
                furnaces[device]?.labeledSinceDriftCheck = 0
                _ = try await checkDrift(device, events: events)
            }
            guard grown else { return }
            let champion = deployments.first { $0.device == device && $0.role == "champion" }?.version
            let adapted = try await store.models().contains { $0.version == champion && $0.targetDevice == device }
            if lastDrift[device]?.drift == true {
                startCandidate(for: device, ownEvents: ownLabeled, trigger: "drift, \(ownLabeled) own labeled events")
            } else if adapted {
                startCandidate(
                    for: device, ownEvents: ownLabeled,
                    trigger: "\(ownLabeled) own labeled events (\(last) at the last candidate)")
            }
        } catch {
            logger.error("adaptation step failed", metadata: ["device": "\(device)", "error": "\(error)"])
        }
    }

    /// Whether a shadow deployment is the previous champion kept for comparison after a promotion.
    func isWatch(_ deployment: Deployment) -> Bool {
        deployments.contains {
            $0.device == deployment.device && $0.role == "champion" && $0.previousChampion == deployment.version
        }
    }

    // MARK: Shadows, promotion, rollback

    private func judgeShadows(_ device: String) async throws {
        guard let champion = deployments.first(where: { $0.device == device && $0.role == "champion" }) else { return }
        for shadow in deployments where shadow.device == device && shadow.role == "shadow" && !isWatch(shadow) {
            guard
                let comparison = try await compare(
                    device: device, challenger: shadow.version, incumbent: champion.version, since: shadow.since)
            else { continue }
            let now = clock.now()
            let details = Self.details(comparison)
            switch promotion.judge(shadow: comparison) {
            case .wait:
                continue
            case .promote:
                let summary =
                    "v\(shadow.version) promoted on \(device): MAPE \(Self.percent(comparison.challengerMAPE)) vs "
                    + "\(Self.percent(comparison.incumbentMAPE)) for v\(champion.version) over \(comparison.events) events"
                try await store.deploy(
                    [
                        .champion(device: device, version: shadow.version, previous: champion.version),
                        .shadow(device: device, version: champion.version),
                    ], decision: ("promotion", summary, details), device: device, version: shadow.version,
                    messages: [
                        AlarmMessages.decision(
                            kind: "promotion", device: device, modelVersion: shadow.version, summary: summary,
                            details: details, time: now, topics: topics)
                    ],
                    at: now)
                logger.notice("promotion", metadata: ["device": "\(device)", "model": "\(shadow.version)"])
                narrate("\(PlantTime.readable(now))  \(device)  PROMOTION: \(summary)")
            case .reject:
                let summary =
                    "v\(shadow.version) rejected on \(device): MAPE \(Self.percent(comparison.challengerMAPE)) vs "
                    + "\(Self.percent(comparison.incumbentMAPE)) for champion v\(champion.version) over \(comparison.events) events"
                try await store.deploy(
                    [.withdraw(device: device, version: shadow.version)], decision: ("rejected", summary, details),
                    device: device, version: shadow.version,
                    messages: [
                        AlarmMessages.decision(
                            kind: "rejected", device: device, modelVersion: shadow.version, summary: summary,
                            details: details, time: now, topics: topics)
                    ],
                    at: now)
                narrate("\(PlantTime.readable(now))  \(device)  \(summary)")
            }
            messagesQueued()
            deployments = try await store.deployments()
        }
    }

    private func judgeChampion(_ device: String) async throws {
        guard let champion = deployments.first(where: { $0.device == device && $0.role == "champion" }),
            let previous = champion.previousChampion,
            deployments.contains(where: { $0.device == device && $0.version == previous && $0.role == "shadow" }),
            let comparison = try await compare(
                device: device, challenger: champion.version, incumbent: previous, since: champion.since)
        else { return }
        // What won the promotion: the champion's error on its shadow events before it.
        let before = try await liveMAPE(device: device, version: champion.version, until: champion.since)
        let now = clock.now()
        let details = Self.details(comparison)
        switch promotion.judge(champion: comparison, promotedMAPE: before ?? comparison.challengerMAPE) {
        case .wait:
            return
        case .keep:
            let summary =
                "v\(champion.version) confirmed on \(device) after \(comparison.events) events (MAPE "
                + "\(Self.percent(comparison.challengerMAPE)) vs \(Self.percent(comparison.incumbentMAPE)) for v\(previous)); "
                + "v\(previous) stops predicting there"
            try await store.deploy(
                [.withdraw(device: device, version: previous)], decision: ("confirmed", summary, details),
                device: device, version: champion.version,
                messages: [
                    AlarmMessages.decision(
                        kind: "confirmed", device: device, modelVersion: champion.version, summary: summary,
                        details: details, time: now, topics: topics)
                ],
                at: now)
            narrate("\(PlantTime.readable(now))  \(device)  \(summary)")
        case .rollback:
            let summary =
                "v\(champion.version) rolled back on \(device): MAPE \(Self.percent(comparison.challengerMAPE)) since its "
                + "promotion (it won with \(Self.percent(before ?? 0))), v\(previous) had \(Self.percent(comparison.incumbentMAPE))"
            try await store.deploy(
                [
                    .champion(device: device, version: previous, previous: nil),
                    .withdraw(device: device, version: champion.version),
                ], decision: ("rollback", summary, details), device: device, version: previous,
                messages: [
                    AlarmMessages.decision(
                        kind: "rollback", device: device, modelVersion: previous, summary: summary, details: details,
                        time: now, topics: topics)
                ],
                at: now)
            logger.warning("rollback", metadata: ["device": "\(device)", "model": "\(champion.version)"])
            narrate("\(PlantTime.readable(now))  \(device)  ROLLBACK: \(summary)")
        }
        messagesQueued()
        deployments = try await store.deployments()
    }

    /// Two models' MAPE on the labeled events of a furnace since a time, from `alarm_from` on, where both predicted.
    func compare(device: String, challenger: Int, incumbent: Int, since: Int64) async throws -> LiveComparison? {
        let rows = try await store.labeledPredictions(device: device, sinceEventStart: since)
            .filter { $0.prediction.checkpoint >= configuration.policy.alarmFromSeconds }
        var byKey: [String: (Double?, Double?, Double, Int64)] = [:]
        for row in rows where row.prediction.modelVersion == challenger || row.prediction.modelVersion == incumbent {
            let key = "\(row.prediction.eventID)/\(row.prediction.checkpoint)"
            var entry = byKey[key] ?? (nil, nil, row.minimum, row.prediction.eventID)
            if row.prediction.modelVersion == challenger {
                entry.0 = row.prediction.predicted
            } else {
                entry.1 = row.prediction.predicted
            }
            byKey[key] = entry
        }
        let pairs = byKey.values.compactMap { entry -> (Double, Double, Double, Int64)? in
            guard let a = entry.0, let b = entry.1, entry.2 > 0 else { return nil }
            return (a, b, entry.2, entry.3)
        }
        guard !pairs.isEmpty else { return nil }
        let challengerMAPE = 100 * pairs.map { abs($0.0 - $0.2) / $0.2 }.reduce(0, +) / Double(pairs.count)
        let incumbentMAPE = 100 * pairs.map { abs($0.1 - $0.2) / $0.2 }.reduce(0, +) / Double(pairs.count)
        return LiveComparison(
            device: device, challenger: challenger, incumbent: incumbent, events: Set(pairs.map(\.3)).count,
            challengerMAPE: challengerMAPE, incumbentMAPE: incumbentMAPE)
    }

    /// A model's MAPE on a furnace's labeled events that started before a time, from `alarm_from` on.
    func liveMAPE(device: String, version: Int, until: Int64) async throws -> Double? {
        let errors = try await store.labeledPredictions(device: device)
            .filter {
                $0.prediction.modelVersion == version && $0.eventStart < until
                    && $0.prediction.checkpoint >= configuration.policy.alarmFromSeconds && $0.minimum > 0
            }
            .map { abs($0.prediction.predicted - $0.minimum) / $0.minimum }
        return errors.isEmpty ? nil : 100 * errors.reduce(0, +) / Double(errors.count)
    }

    static func details(_ comparison: LiveComparison) -> JSONValue {
        .object([
            "events": .number(Double(comparison.events)),
            "challenger": .number(Double(comparison.challenger)),
            "challenger_mape_percent": .number(comparison.challengerMAPE),
            "incumbent": .number(Double(comparison.incumbent)),
            "incumbent_mape_percent": .number(comparison.incumbentMAPE),
            "improvement": .number(comparison.improvement),
        ])
    }

    static func percent(_ value: Double) -> String { "\(Int(value.rounded())) %" }

    // MARK: Drift

    /// Compares a furnace's recent events (features at 180 s) with its champion's training data; records a
    /// decision when the verdict turns to drift. Returns nil when there is not enough data to tell.
    func checkDrift(_ device: String, events: [StoredEvent]) async throws -> Bool? {
        guard let champion = deployments.first(where: { $0.device == device && $0.role == "champion" })?.version else {
            return nil
        }
        let checkpoint = Int(PumpingEventFeatures.checkpoints.last!)
        let current = events.compactMap { $0.features[checkpoint] }
        let stored = try await store.reference(of: champion)
            .filter { $0.features["seconds_into_event"] == Double(checkpoint) }
        // Compare a furnace with its own past when the model saw it, else with everything the model saw.
        let own = stored.filter { $0.origin == device }
        let reference = (own.count >= 20 ? own : stored).map(\.features)
        guard current.count >= 5, reference.count >= 10 else { return nil }
        let now = clock.now()
        let report: DriftReport
        do {
            let (first, second) = try CandidateTrainer.matrices(reference, current)
            var settings = DriftDetector.Configuration()
            settings.seed = configuration.policy.seed
            report = try DriftDetector(configuration: settings).detect(reference: first, current: second)
        } catch {
            logger.notice("drift check skipped", metadata: ["device": "\(device)", "reason": "\(error)"])
            return nil
        }
        // A 12-event window is small: the domain classifier alone flags unchanged furnaces now and then, so it
        // counts on its own only when it separates the samples almost perfectly.
        let drift =
            report.multivariateDrifted || report.features.contains(where: \.drifted)
            || (report.classifierDrifted && report.domainClassifier.areaUnderCurve >= 0.85)
        let summary = DriftSummary(
            time: now, drift: drift, currentRows: report.currentRows, referenceRows: report.referenceRows,
            mmdPValue: report.maximumMeanDiscrepancy.pValue, classifierAUC: report.domainClassifier.areaUnderCurve,
            driftedFeatures: report.features.filter(\.drifted).map(\.feature))
        // A furnace the models already know must look drifted on two checks in a row before the agent acts:
        // repeated tests at α = 0.05 flag an unchanged furnace now and then. A furnace being onboarded is new anyway.
        let previous = lastDrift[device]
        let onboarding = furnaces[device]?.onboarding ?? false
        let confirmed = drift && (onboarding || previous?.rawDrift == true)
        let wasDrifting = previous?.drift ?? false
        var recorded = summary
        recorded.drift = confirmed || (drift && wasDrifting)
        recorded.rawDrift = drift
        lastDrift[device] = recorded
        if recorded.drift && !wasDrifting {
            let details = JSONValue.object([
                "current_events": .number(Double(report.currentRows)),
                "reference_rows": .number(Double(report.referenceRows)),
                "mmd_statistic": .number(report.maximumMeanDiscrepancy.statistic),
                "mmd_p_value": .number(report.maximumMeanDiscrepancy.pValue),
                "classifier_auc": .number(report.domainClassifier.areaUnderCurve),
                "drifted_features": .array(summary.driftedFeatures.map { .string($0) }),
                "model": .number(Double(champion)),
            ])
            let text =
                "drift on \(device) against v\(champion)'s training data: classifier AUC "
                + "\(Self.format(report.domainClassifier.areaUnderCurve)), MMD p \(Self.format(report.maximumMeanDiscrepancy.pValue)), "
                + "features \(summary.driftedFeatures.prefix(4).joined(separator: ", "))"
            try await store.recordDecision(
                kind: "drift", device: device, modelVersion: champion, summary: text, details: details, at: now,
                messages: [
                    AlarmMessages.decision(
                        kind: "drift", device: device, modelVersion: champion, summary: text, details: details,
                        time: now, topics: topics)
                ])
            messagesQueued()
            logger.notice("drift", metadata: ["device": "\(device)", "model": "\(champion)"])
            narrate("\(PlantTime.readable(now))  \(device)  DRIFT: \(text)")
        }
        return recorded.drift
    }

    // MARK: Candidates

    /// Builds a candidate for a furnace in the background: the labeled history of the other furnaces reweighted
    /// toward this one's recent events, plus its own labeled events.
    func startCandidate(for device: String, ownEvents: Int, trigger: String) {
        guard !training.contains(device) else { return }
        training.insert(device)
        furnaces[device]?.ownEventsAtLastCandidate = max(ownEvents, 1)
        let now = clock.now()
        narrate(
            "\(PlantTime.readable(now))  \(device)  building a candidate (\(trigger), \(configuration.policy.weighting.rawValue) weights)"
        )
        background.start { await self.buildCandidate(for: device, trigger: trigger) }
    }

    private func buildCandidate(for device: String, trigger: String) async {
        defer { training.remove(device) }
        do {
            let all = try await store.events(labeledOnly: false, limit: 20_000)
            var source = history.filter { $0.origin != device }
            var target: [[String: Double]] = []
            var own: [LabeledRow] = []
            for event in all {
                let rows = event.features.keys.sorted().map { event.features[$0]! }
                if event.device == device {
                    target += rows
                    if let minimum = event.minimum {
                        own += rows.map { LabeledRow(features: $0, minimum: minimum, origin: device) }
                    }
                } else if let minimum = event.minimum {
                    source += rows.map { LabeledRow(features: $0, minimum: minimum, origin: event.device) }
                }
            }
            // Recent behaviour is what the candidate should fit.
            target = Array(target.suffix(40 * PumpingEventFeatures.checkpoints.count))
            let champion = deployments.first { $0.device == device && $0.role == "champion" }?.version
            let request = CandidateRequest(
                source: Self.sample(source, count: 2500), target: target, own: own, featureNames: featureNames(),
                weighting: configuration.policy.weighting, policy: configuration.policy,
                createdAt: PlantTime.iso8601(clock.now()))
            let result = try await trainer.train(request)
            defer { ProcessUsage.releaseFreedMemory() }
            let version = try await store.nextModelVersion()
            let reference = Self.sample(target.map { (device, $0) }, count: 600)
            try await saveCandidate(
                result, version: version, parent: champion, target: device,
                weighting: configuration.policy.weighting.rawValue, reference: reference, trigger: trigger)
            let now = clock.now()
            let summary =
                "v\(version) predicts in shadow on \(device) beside champion v\(champion.map(String.init) ?? "none")"
            try await store.deploy(
                [.shadow(device: device, version: version)], decision: ("shadow", summary, .object([:])),
                device: device,
                version: version,
                messages: [
                    AlarmMessages.decision(
                        kind: "shadow", device: device, modelVersion: version, summary: summary, details: .object([:]),
                        time: now, topics: topics)
                ],
                at: now)
            deployments = try await store.deployments()
            furnaces[device]?.onboarding = false
            messagesQueued()
            narrate("\(PlantTime.readable(now))  \(device)  \(summary)")
        } catch {
            let now = clock.now()
            logger.error("candidate failed", metadata: ["device": "\(device)", "error": "\(error)"])
            try? await store.recordDecision(
                kind: "candidate_failed", device: device, modelVersion: nil,
                summary: "no candidate for \(device): \(error)",
                details: .object(["error": .string("\(error)")]), at: now)
        }
    }
}
