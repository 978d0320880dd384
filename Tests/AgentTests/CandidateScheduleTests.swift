import Agent
import Testing

@Suite("Candidate schedule")
struct CandidateScheduleTests {
    let schedule = CandidateSchedule(policy: AgentPolicy())

    func onboarding(
        ownLabeled: Int, lastAt: Int, shadows: [CandidateSchedule.ShadowStanding]
    )
        -> CandidateSchedule.Situation
    {
        var state = FurnaceAdaptationState(onboarding: true)
        state.candidates = lastAt == 0 ? 0 : 1
        state.ownEventsAtLastCandidate = lastAt
        return CandidateSchedule.Situation(
            state: state, events: ownLabeled, ownLabeled: ownLabeled, championAdapted: false, shadows: shadows,
            conceptDrift: false)
    }

    @Test("An onboarding furnace gets candidates after 6 events, then each time its own labeled events double")
    func growth() {
        #expect(schedule.due(onboarding(ownLabeled: 5, lastAt: 0, shadows: [])) == nil)
        #expect(schedule.due(onboarding(ownLabeled: 6, lastAt: 0, shadows: [])) == .onboarding(events: 6))
        #expect(schedule.due(onboarding(ownLabeled: 11, lastAt: 6, shadows: [])) == nil)
        #expect(schedule.due(onboarding(ownLabeled: 12, lastAt: 6, shadows: [])) == .growth(ownLabeled: 12, atLast: 6))
        var off = AgentPolicy()
        off.adapt = false
        #expect(CandidateSchedule(policy: off).due(onboarding(ownLabeled: 6, lastAt: 0, shadows: [])) == nil)
    }

    @Test("With every shadow taken, a due candidate replaces the one with the least evidence, never a young one")
    func supersession() {
        typealias Standing = CandidateSchedule.ShadowStanding
        let judged = [Standing(version: 2, events: 18, eValue: 3.5), Standing(version: 3, events: 12, eValue: 0.4)]
        let full = onboarding(ownLabeled: 24, lastAt: 12, shadows: judged)
        #expect(schedule.due(full) == .growth(ownLabeled: 24, atLast: 12))
        #expect(schedule.superseded(full)?.version == 3, "the lower e-value gives way")
        // One shadow not yet judged on `shadow_events` (6) events is kept whatever its e-value.
        let young = onboarding(
            ownLabeled: 24, lastAt: 12,
            shadows: [Standing(version: 2, events: 18, eValue: 3.5), Standing(version: 3, events: 5, eValue: 0.1)])
        #expect(schedule.superseded(young)?.version == 2)
        // Both young: the candidate waits.
        let waiting = onboarding(
            ownLabeled: 24, lastAt: 12,
            shadows: [Standing(version: 2, events: 4, eValue: 3.5), Standing(version: 3, events: 5, eValue: 0.1)])
        #expect(schedule.superseded(waiting) == nil)
        #expect(schedule.due(waiting) == nil)
        // Room left: nothing is superseded.
        let room = onboarding(ownLabeled: 24, lastAt: 12, shadows: [Standing(version: 3, events: 12, eValue: 0.4)])
        #expect(schedule.due(room) != nil)
        #expect(schedule.superseded(room) == nil)
        // Not due: nothing happens even when a shadow could give way.
        let early = onboarding(ownLabeled: 20, lastAt: 12, shadows: judged)
        #expect(schedule.due(early) == nil)
        // Equal evidence: the older one goes.
        let tie = onboarding(
            ownLabeled: 24, lastAt: 12,
            shadows: [Standing(version: 3, events: 12, eValue: 1), Standing(version: 2, events: 18, eValue: 1)])
        #expect(schedule.superseded(tie)?.version == 2)
    }
}
