public import Plant
import Support

/// A simulated plant run, as a scenario file (`simulator/scenarios/*.yaml`) describes it: the furnaces served from
/// the start, changes to their physics, furnaces onboarded while it runs, faults, the seed and the speed.
///
/// Times in a scenario are plant seconds after the run starts; ``ScenarioRunner`` turns them into plant times.
/// The format is documented key by key in `docs/scenarios.md`; ``load(path:)`` reads and checks a file.
public struct Scenario: Sendable, Equatable {
    /// A device file served from the start.
    public struct Device: Sendable, Equatable {
        /// The file's path: the scenario's folder joined with the path written in the scenario.
        public var path: String
        /// The device the file describes.
        public var device: DeviceFile

        /// Creates an entry for a device file loaded from `path`.
        public init(path: String, device: DeviceFile) {
            self.path = path
            self.device = device
        }
    }

    /// A device file onboarded while the scenario runs.
    public struct Onboarding: Sendable, Equatable {
        /// Plant seconds after the start at which the device appears.
        public var atSeconds: Double
        /// The file's path: the scenario's folder joined with the path written in the scenario.
        public var path: String
        /// The device the file describes.
        public var device: DeviceFile

        /// Creates an onboarding of the device file at `path`, `atSeconds` into the run.
        public init(atSeconds: Double, path: String, device: DeviceFile) {
            self.atSeconds = atSeconds
            self.path = path
            self.device = device
        }
    }

    /// A fault planned for one device, in plant seconds after the start.
    public struct PlannedFault: Sendable, Equatable {
        /// The id of the device it strikes.
        public var device: String
        /// What goes wrong.
        public var kind: Fault.Kind
        /// Plant seconds after the start at which it begins.
        public var atSeconds: Double
        /// How long it lasts, plant seconds; `nil` for the rest of the run.
        public var durationSeconds: Double?

        /// Creates a planned fault.
        public init(device: String, kind: Fault.Kind, atSeconds: Double, durationSeconds: Double? = nil) {
            self.device = device
            self.kind = kind
            self.atSeconds = atSeconds
            self.durationSeconds = durationSeconds
        }

        /// The fault in plant time, for a run that started at `start` (ms since the Unix epoch).
        public func fault(start: Int64) -> Fault {
            let begin = start + Int64((atSeconds * 1000).rounded())
            return Fault(
                device: device, kind: kind, start: begin,
                end: durationSeconds.map { begin + Int64(($0 * 1000).rounded()) })
        }
    }

    /// The scenario file as named when loaded.
    public var file: String
    /// What the scenario shows, in a sentence or two (the `description` key).
    public var summary: String?
    /// The seed of every random draw.
    public var seed: UInt64
    /// Plant seconds per real second when nothing else is said (the command line may override it).
    public var speed: Double
    /// The devices served from the start, in file order.
    public var devices: [Device]
    /// Physics changes by device id.
    public var physics: [String: PhysicsOverride]
    /// The devices onboarded while running, in file order.
    public var onboarding: [Onboarding]
    /// The faults, in file order.
    public var faults: [PlannedFault]
    /// Events per initially served furnace in the first model's training history.
    public var historyEvents: Int

    /// Creates a scenario; every part but `file` and `devices` has the file format's default.
    public init(
        file: String, summary: String? = nil, seed: UInt64 = Self.defaultSeed, speed: Double = Self.defaultSpeed,
        devices: [Device], physics: [String: PhysicsOverride] = [:], onboarding: [Onboarding] = [],
        faults: [PlannedFault] = [], historyEvents: Int = Self.defaultHistoryEvents
    ) {
        self.file = file
        self.summary = summary
        self.seed = seed
        self.speed = speed
        self.devices = devices
        self.physics = physics
        self.onboarding = onboarding
        self.faults = faults
        self.historyEvents = historyEvents
    }

    /// `seed` when the file gives none.
    public static let defaultSeed: UInt64 = 1
    /// `speed` when the file gives none: a 30 s poll every half second.
    public static let defaultSpeed: Double = 60
    /// `history.events` when the file gives none.
    public static let defaultHistoryEvents = 200

    /// Every device of the scenario: those served from the start, then those onboarded.
    public var allDevices: [DeviceFile] { devices.map(\.device) + onboarding.map(\.device) }

    /// A device's physics: from its file's attributes, then this scenario's override for it.
    public func physics(for device: DeviceFile) -> FurnacePhysics {
        let base = SimulatedFurnace.physics(for: device)
        return physics[device.id]?.applied(to: base) ?? base
    }

    /// A simulated furnace for one of the scenario's devices, its model starting at `origin`.
    public func furnace(for device: DeviceFile, origin: Int64) -> SimulatedFurnace {
        SimulatedFurnace(
            device: device,
            model: FurnaceModel(id: device.id, physics: physics(for: device), seed: seed, origin: origin))
    }

    /// Furnaces for the first model's training history: the initially served devices with the scenario's physics,
    /// on a seed of their own, so the history is like the run's events without being them.
    public func historyFurnaces(origin: Int64 = 1_767_225_600_000) -> [SimulatedFurnace] {
        var derived = SeededGenerator(seed: seed, SeededGenerator.key("history"))
        let historySeed = derived.next()
        return devices.map { entry in
            SimulatedFurnace(
                device: entry.device,
                model: FurnaceModel(
                    id: entry.device.id, physics: physics(for: entry.device), seed: historySeed, origin: origin))
        }
    }
}
