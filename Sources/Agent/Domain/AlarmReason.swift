/// One of the features that moved an alarm's deciding prediction most, with how much: the top three of the
/// prediction's exact TreeSHAP decomposition, carried into the pressure's unit.
///
/// The contributions of all features plus the model's baseline add up to the predicted minimum; a positive one
/// pushed the prediction up (toward failing), a negative one down.
public struct AlarmReason: Codable, Sendable, Equatable {
    /// The feature's name (`log_pressure_slope`, `chamber_temperature_c`, ...).
    public var feature: String
    /// Its value at the checkpoint; nil when it was missing.
    public var value: Double?
    /// How much it moved the predicted minimum, in the pressure signal's unit.
    public var contributionMbar: Double

    public init(feature: String, value: Double?, contributionMbar: Double) {
        self.feature = feature
        self.value = value
        self.contributionMbar = contributionMbar
    }

    enum CodingKeys: String, CodingKey {
        case feature, value
        case contributionMbar = "contribution_mbar"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(feature, forKey: .feature)
        try container.encode(value, forKey: .value)
        try container.encode(contributionMbar, forKey: .contributionMbar)
    }
}
