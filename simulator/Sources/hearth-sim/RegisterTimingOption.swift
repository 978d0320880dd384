import ArgumentParser
import Simulator

/// `--registers live|poll-grid`: when Modbus registers take the plant's values (``PlantSimulator/RegisterTiming``).
enum RegisterTimingOption: String, ExpressibleByArgument, CaseIterable {
    case live
    case pollGrid = "poll-grid"

    var timing: PlantSimulator.RegisterTiming {
        switch self {
        case .live: .live
        case .pollGrid: .pollGrid
        }
    }

    static let help = ArgumentHelp(
        "When Modbus registers take the plant's values: live (as each request arrives) or poll-grid (at the last "
            + "multiple of the device's poll interval, like a controller scanning on the agent's poll grid, so a "
            + "request that arrives late at high speed still reads its slot).")
}
