import Agent
import Plant
import Simulator
import Trees

/// What a new furnace is served over its first events, event by event.
struct ServedRecord: Codable {
    /// |predicted − true| ÷ true at 150 s of the model serving each event (nil: it did not predict there).
    var errors150: [Double?] = []
    /// Whether the serving model's predictions from 150 s on exceeded the threshold.
    var alarmed: [Bool] = []
    var failed: [Bool] = []
    /// The serving model's version per event (1: the original).
    var serving: [Int] = []
    /// The agent's decisions in words, with the event (1-based) whose label triggered each.
    var decisions: [String] = []
    /// The event (1-based) after whose label the first promotion happened.
    var firstPromotion: Int?
    var promotions = 0
    var rollbacks = 0
    var rejections = 0
    var candidates = 0

    /// MAPE % at 150 s over events `range` (0-based, clamped).
    func mape(_ range: Range<Int>) -> Double {
        let values = errors150[range.clamped(to: 0..<errors150.count)].compactMap { $0 }
        return 100 * values.reduce(0, +) / Double(max(1, values.count))
    }

    /// Alarm recall and false-alarm share over events `range`.
    func alarms(_ range: Range<Int>) -> (recall: Double, falseAlarmShare: Double) {
        var hits = 0, misses = 0, falseAlarms = 0
        for index in range.clamped(to: 0..<failed.count) {
            if failed[index] {
                if alarmed[index] { hits += 1 } else { misses += 1 }
            } else if alarmed[index] {
                falseAlarms += 1
            }
        }
        return (Double(hits) / Double(max(1, hits + misses)), Double(falseAlarms) / Double(max(1, hits + falseAlarms)))
    }
}

/// The agent's adaptation of one new furnace replayed offline with the agent's own decision types: the
/// ``CandidateSchedule`` says when a candidate is due, the candidate is trained as ``CandidateBuilder`` trains it
/// (continued from the champion below `continue_below_events`, retrained with the policy's weighting after), it
/// predicts in shadow from the next event on, ``PromotionPolicy`` judges shadows and new champions after every label
/// on a ``LiveComparison`` of their predictions, exactly as the agent's adaptation worker does; the champion serves.
/// What is left out: drift checks (a furnace being onboarded gets candidates regardless) and time — a candidate is
/// ready for the event after the label that made it due (at real speed training takes seconds, an event minutes).
struct AgentReplay {
    let policy: AgentPolicy
    let featureNames: [String]
    let threshold: Double
    /// A candidate is also judged on up to this many of the furnace's latest labeled events before it was made,
    /// each predicted by the candidate's procedure trained on the events before that one only (0: live only).
    var backtestEvents = 0
    let device = "furnace-n"

    /// A model able to predict, with the event (0-based) it started predicting at.
    private struct Deployed {
        var version: Int
        var model: TreeModel
        var predictor: MinimumPressurePredictor
        var since: Int
        var adapted: Bool
        var previous: Int?
        /// The furnace's own events it was trained on (the first ones).
        var trainedThrough = 0
    }

    /// Replays the first `events.count` events.
    /// - Parameter candidate: trains the candidate due with `ownEvents` labeled events, continuing from `champion`
    ///   when the agent would, with the given weighting (nil: the policy's); returns it with the weighting used.
    func run(
        events: [HistoryGenerator.Event], original: TreeModel,
        candidate: (_ ownEvents: Int, _ continuing: TreeModel?, _ weighting: AgentPolicy.Weighting?) async throws -> (
            TreeModel, AgentPolicy.Weighting
        )
    ) async throws -> ServedRecord {
        let attributes = Set(featureNames)
        let schedule = CandidateSchedule(policy: policy)
        let promotion = PromotionPolicy(policy: policy)
        let alarmPolicy = policy.alarmPolicy
        var champion = Deployed(
            version: 1, model: original,
            predictor: try MinimumPressurePredictor(version: 1, model: original, attributes: attributes), since: 0,
            adapted: false)
        var shadows: [Deployed] = []
        var watch: Deployed?
        var state = FurnaceAdaptationState(onboarding: true)
        var nextVersion = 2
        var rows: [LabeledPrediction] = []
        var record = ServedRecord()

        func predictions(of model: Deployed, on event: HistoryGenerator.Event, index: Int) -> [LabeledPrediction] {
            label(
                predictions: event.features.compactMap { features in
                    model.predictor.predict(features).map { (features, $0) }
                },
                of: event,
                index: index, version: model.version, earlier: rows)
        }
        func comparison(_ challenger: Deployed, _ incumbent: Deployed, since: Int) -> LiveComparison {
            LiveComparison(
                device: device, challenger: challenger.version, incumbent: incumbent.version,
                rows: rows.filter {
                    $0.eventID >= Int64(since)
                        && ($0.modelVersion == challenger.version
                            || $0.modelVersion == incumbent.version)
                }, fromCheckpoint: policy.alarmFromSeconds, policy: alarmPolicy)
        }

        for (index, event) in events.enumerated() {
            // The event: every deployed model predicts; the champion's predictions are what the plant gets.
            let served = predictions(of: champion, on: event, index: index)
            rows += served
            for model in shadows + (watch.map { [$0] } ?? []) {
                rows += predictions(of: model, on: event, index: index)
            }
            let at150 = served.first { $0.checkpoint == 150 }
            record.errors150.append(at150.map { abs($0.predicted - $0.minimum) / $0.minimum })
            record.alarmed.append(alarmed(served, policy: alarmPolicy))
            record.failed.append(event.minimumPressure > threshold)
            record.serving.append(champion.version)

            // Its label: the adaptation worker's steps, in its order.
            let label = index + 1
            var waiting: [Int: PromotionPolicy.Evidence] = [:]
            judging: for shadow in shadows {
                switch promotion.judge(shadow: comparison(shadow, champion, since: shadow.since)) {
                case .wait(let evidence): waiting[shadow.version] = evidence
                case .promote(let evidence):
                    waiting = [:]
                    record.decisions.append(
                        "\(label): v\(shadow.version) promoted over v\(champion.version) (\(evidence.events) events, e \(short(evidence.eValue)))"
                    )
                    record.promotions += 1
                    record.firstPromotion = record.firstPromotion ?? label
                    shadows.removeAll { $0.version == shadow.version }
                    var promoted = shadow
                    promoted.previous = champion.version
                    watch = champion
                    champion = promoted
                    champion.since = index + 1
                    break judging
                case .reject(let evidence):
                    record.decisions.append(
                        "\(label): v\(shadow.version) rejected (\(evidence.events) events: \(evidence.rule); \(numbers(evidence)))"
                    )
                    record.rejections += 1
                    shadows.removeAll { $0.version == shadow.version }
                }
            }
            if let replaced = watch, champion.since <= index {
                switch promotion.judge(watch: comparison(champion, replaced, since: champion.since)) {
                case .wait: break
                case .confirm: watch = nil
                case .rollback(let evidence):
                    record.decisions.append(
                        "\(label): v\(champion.version) rolled back to v\(replaced.version) (\(evidence.rule))")
                    record.rollbacks += 1
                    champion = replaced
                    watch = nil
                }
            }
            let situation = CandidateSchedule.Situation(
                state: state, events: label, ownLabeled: label, championAdapted: champion.adapted,
                shadows: shadows.map {
                    CandidateSchedule.ShadowStanding(version: $0.version, evidence: waiting[$0.version])
                }, conceptDrift: false)
            let trigger = schedule.due(situation)
            if let trigger {
                if let weakest = schedule.superseded(situation) {
                    record.decisions.append(
                        "\(label): v\(weakest.version) superseded (\(weakest.events) events\(waiting[weakest.version].map { ": " + numbers($0) } ?? ", e \(short(weakest.eValue))"))"
                    )
                    record.rejections += 1
                    shadows.removeAll { $0.version == weakest.version }
                }
                state.ownEventsAtLastCandidate = max(label, 1)
                state.candidates += 1
                let continuing = CandidateBuilder.continues(ownEvents: label, policy: policy) ? champion.model : nil
                let (model, weighting) = try await candidate(label, continuing, nil)
                let version = nextVersion
                nextVersion += 1
                // Backtest: events the champion has not seen, each predicted by the procedure on the events before it.
                let first = max(champion.trainedThrough, 2, label - backtestEvents)
                var since = index + 1
                if backtestEvents > 0, first < label {
                    for j in first..<label {
                        // The procedure as it turned out: the weighting `auto` chose, not chosen again.
                        let (earlier, _) = try await candidate(j, continuing, weighting)
                        let predictor = try MinimumPressurePredictor(
                            version: version, model: earlier, attributes: attributes)
                        let probe = Deployed(
                            version: version, model: earlier, predictor: predictor, since: j, adapted: true)
                        rows += predictions(of: probe, on: events[j], index: j)
                    }
                    since = first
                }
                shadows.append(
                    Deployed(
                        version: version, model: model,
                        predictor: try MinimumPressurePredictor(version: version, model: model, attributes: attributes),
                        since: since, adapted: true, trainedThrough: label))
                record.candidates += 1
                record.decisions.append(
                    "\(label): candidate v\(version) (\(trigger.description)\(continuing == nil ? "" : ", continued from v\(champion.version)"))"
                )
            }
        }
        return record
    }

    /// What serving one fixed method would have given: a model trained on the same schedule as the agent's
    /// candidates (never held back by shadows), served from the next event on, unjudged.
    func fixed(
        events: [HistoryGenerator.Event], original: TreeModel, model: (_ ownEvents: Int) async throws -> TreeModel
    ) async throws -> ServedRecord {
        let schedule = CandidateSchedule(policy: policy)
        var state = FurnaceAdaptationState(onboarding: true)
        var predictor = try MinimumPressurePredictor(version: 1, model: original, attributes: Set(featureNames))
        var record = ServedRecord()
        var rows: [LabeledPrediction] = []
        for (index, event) in events.enumerated() {
            let served = label(
                predictions: event.features.compactMap { features in predictor.predict(features).map { (features, $0) }
                },
                of: event, index: index, version: 1 + state.candidates, earlier: rows)
            rows += served
            record.errors150.append(
                served.first { $0.checkpoint == 150 }.map { abs($0.predicted - $0.minimum) / $0.minimum })
            record.alarmed.append(alarmed(served, policy: policy.alarmPolicy))
            record.failed.append(event.minimumPressure > threshold)
            let label = index + 1
            if schedule.due(
                CandidateSchedule.Situation(
                    state: state, events: label, ownLabeled: label, championAdapted: state.candidates > 0,
                    shadows: [], conceptDrift: false)) != nil
            {
                state.ownEventsAtLastCandidate = label
                state.candidates += 1
                predictor = try MinimumPressurePredictor(
                    version: 1 + state.candidates, model: try await model(label), attributes: Set(featureNames))
            }
        }
        return record
    }

    /// One model's predictions on an event as the agent stores them: with `alarm_on: failure_probability`, each
    /// carries the failure probability the agent would attach (``CheckpointCalibration`` and
    /// ``PredictionUncertainty``), from the model's own earlier labeled predictions on the furnace only — the agent
    /// also weights in the fleet's, so here a model has probabilities later than it would live.
    private func label(
        predictions: [([String: Double], Double)], of event: HistoryGenerator.Event, index: Int, version: Int,
        earlier: [LabeledPrediction]
    ) -> [LabeledPrediction] {
        let calibrations =
            policy.alarmOn == .failureProbability
            ? CheckpointCalibration.byCheckpoint(
                own: earlier.filter { $0.modelVersion == version && $0.eventID < Int64(index) }.map {
                    CalibrationSample(
                        checkpoint: $0.checkpoint, predicted: $0.predicted, minimum: $0.minimum, features: [:])
                }, fleet: [], furnaceRows: [], policy: policy)
            : [:]
        return predictions.map { features, predicted in
            let checkpoint = Int(features["seconds_into_event"] ?? 0)
            let probability = calibrations[checkpoint].flatMap {
                PredictionUncertainty(prediction: predicted, threshold: threshold, calibration: $0, features: features)
            }?.failureProbability
            return LabeledPrediction(
                eventID: Int64(index), eventStart: Int64(index), checkpoint: checkpoint, modelVersion: version,
                predicted: predicted, minimum: event.minimumPressure, threshold: threshold,
                failed: event.minimumPressure > threshold, failureProbability: probability)
        }
    }

    /// Whether a model's predictions on an event, from `alarm_from` on, would have raised an alarm by the rule.
    private func alarmed(_ predictions: [LabeledPrediction], policy alarmPolicy: AlarmPolicy) -> Bool {
        alarmPolicy.raisesDuring(
            observations: predictions.filter { $0.checkpoint >= policy.alarmFromSeconds }.sorted {
                $0.checkpoint < $1.checkpoint
            }.map { AlarmPolicy.Observation(predicted: $0.predicted, failureProbability: $0.failureProbability) },
            threshold: threshold)
    }

    private func short(_ value: Double) -> String { String(format: "%.1f", value) }

    private func numbers(_ evidence: PromotionPolicy.Evidence) -> String {
        "cost \(String(format: "%.3f", evidence.challengerMeanCost)) vs \(String(format: "%.3f", evidence.incumbentMeanCost)), "
            + "MAPE \(short(evidence.challengerMAPEPercent)) vs \(short(evidence.incumbentMAPEPercent)) %, "
            + "missed \(evidence.challengerMissed) vs \(evidence.incumbentMissed), "
            + "false alarms \(evidence.challengerFalseAlarms) vs \(evidence.incumbentFalseAlarms), e \(short(evidence.eValue))"
    }
}
