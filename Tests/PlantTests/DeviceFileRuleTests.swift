import Fieldbus
import Plant
import Testing

/// One test per rule of the device file format: each bad file has exactly one problem, checked for its line,
/// column, field and message.
@Suite("Device file rules")
struct DeviceFileRuleTests {
    // MARK: Keys

    @Test("an unknown top-level key is an error with a suggestion")
    func unknownTopLevelKey() {
        expectProblem(
            """
            id: f1
            kind: esr-furnace
            poll_intervall: 30s
            connection:
              type: modbus-tcp
              host: 10.0.0.5
            signals:
              - name: p
                table: input
                address: 0
            """, at: "3:1", field: "poll_intervall", "unknown key; did you mean \"poll_interval\"?")
    }

    @Test("an unknown signal key is an error with a suggestion")
    func unknownSignalKey() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: input
                    address: 0
                    adress: 1
                """), at: "10:5", field: "signals[0].adress", "unknown key; did you mean \"address\"?")
    }

    @Test("a missing required key is reported at its mapping")
    func missingKey() {
        expectProblem(
            withConnection(
                """
                  type: modbus-tcp
                """), at: "4:3", field: "connection.host", "required key is missing")
    }

    @Test("a signal without an address")
    func missingAddress() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: input
                """), at: "7:5", field: "signals[0].address", "required key is missing")
    }

    @Test("a quoted number is text, not a number")
    func quotedNumber() {
        expectProblem(
            withConnection(
                """
                  type: modbus-tcp
                  host: 10.0.0.5
                  port: "502"
                """), at: "6:9", field: "connection.port", "\"502\" is quoted text; write an integer without quotes")
    }

    @Test("a wrong enumeration value lists the allowed ones")
    func wrongTable() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: holdings
                    address: 0
                """), at: "8:12", field: "signals[0].table",
            "\"holdings\" is not one of holding, input, coil, discrete; did you mean \"holding\"?")
    }

    @Test("an unknown connection type lists the three")
    func wrongConnectionType() {
        expectProblem(
            withConnection(
                """
                  type: modbus
                  host: 10.0.0.5
                """), at: "4:9", field: "connection.type", "\"modbus\" is not one of modbus-tcp, modbus-rtu, mqtt")
    }

    @Test("a key of another connection type says whose it is")
    func foreignConnectionKey() {
        expectProblem(
            withConnection(
                """
                  type: modbus-tcp
                  host: 10.0.0.5
                  baud: 9600
                """), at: "6:3", field: "connection.baud",
            "`baud` is a setting of modbus-rtu connections; this one is modbus-tcp")
    }

    // MARK: Identity

    @Test("an id outside [a-z0-9][a-z0-9-_]*")
    func badID() {
        expectProblem(
            """
            id: Furnace A
            kind: esr-furnace
            connection:
              type: modbus-tcp
              host: 10.0.0.5
            signals:
              - name: p
                table: input
                address: 0
            """, at: "1:5", field: "id", "\"Furnace A\" is not a valid id")
    }

    @Test("a signal name that is not snake case")
    func badSignalName() {
        expectProblem(
            tcp(
                """
                  - name: Chamber-Pressure
                    table: input
                    address: 0
                """), at: "7:11", field: "signals[0].name", "\"Chamber-Pressure\" is not a valid signal name")
    }

    @Test("duplicate signal names")
    func duplicateSignalNames() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: input
                    address: 0
                  - name: p
                    table: input
                    address: 1
                """), at: "10:11", field: "signals[1].name", "\"p\" is already the name of signals[0] (line 7)")
    }

    @Test("an empty signal list")
    func noSignals() {
        expectProblem(
            """
            id: f1
            kind: esr-furnace
            connection:
              type: modbus-tcp
              host: 10.0.0.5
            signals: []
            """, at: "6:10", field: "signals", "needs at least one signal")
    }

    // MARK: Registers

    @Test("overlapping registers name both signals and their addresses")
    func overlap() {
        expectProblem(
            tcp(
                """
                  - name: pressure
                    table: input
                    address: 0
                    type: float32
                  - name: current
                    table: input
                    address: 1
                """), at: "13:14", field: "signals[1].address",
            "\"current\" (input 1) overlaps \"pressure\" (input 0...1) (line 7)")
    }

    @Test("an overlap is reported at the signal written later, whatever the addresses")
    func overlapLaterInFile() {
        expectProblem(
            tcp(
                """
                  - name: current
                    table: holding
                    address: 5
                  - name: pressure
                    table: holding
                    address: 2
                    type: float64
                """), at: "12:14", field: "signals[1].address",
            "\"pressure\" (holding 2...5) overlaps \"current\" (holding 5) (line 7)")
    }

    @Test("an overlap is found even when a signal's order is also wrong")
    func overlapWithWrongOrder() {
        let found = problems(
            in: tcp(
                """
                  - name: t
                    table: input
                    address: 2
                    type: int16
                    order: CDAB
                  - name: w
                    table: input
                    address: 2
                """))
        #expect(
            found.map(\.description) == [
                "t.yaml:11:12: signals[0].order: \"CDAB\" is impossible for int16 (one register); use ABCD or BADC",
                "t.yaml:14:14: signals[1].address: \"w\" (input 2) overlaps \"t\" (input 2) (line 7)",
            ])
    }

    @Test("the same address in different tables is no overlap")
    func sameAddressOtherTable() {
        #expect(
            problems(
                in: tcp(
                    """
                      - name: a
                        table: input
                        address: 0
                      - name: b
                        table: holding
                        address: 0
                      - name: c
                        table: coil
                        address: 0
                      - name: d
                        table: discrete
                        address: 0
                    """)
            ).isEmpty)
    }

    @Test("a value running past address 65535")
    func pastLastAddress() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: holding
                    address: 65534
                    type: float64
                """), at: "9:14", field: "signals[0].address",
            "float64 at 65534 needs addresses 65534...65537, past the last address 65535")
    }

    @Test("an address outside 0...65535")
    func addressOutOfRange() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: holding
                    address: -1
                """), at: "9:14", field: "signals[0].address", "-1 is outside 0...65535")
    }

    @Test("coils and discrete inputs hold bools only")
    func bitTableType() {
        expectProblem(
            tcp(
                """
                  - name: running
                    table: coil
                    address: 3
                    type: uint16
                """), at: "10:11", field: "signals[0].type",
            "\"uint16\" is impossible in the coil table, which holds single bits; use bool")
    }

    @Test("a 16-bit value cannot swap words")
    func impossibleOrder() {
        expectProblem(
            tcp(
                """
                  - name: t
                    table: input
                    address: 0
                    type: int16
                    order: CDAB
                """), at: "11:12", field: "signals[0].order",
            "\"CDAB\" is impossible for int16 (one register); use ABCD or BADC")
    }

    @Test("a bool has no byte order, not even the default ABCD", arguments: WordOrder.allCases)
    func boolOrder(order: WordOrder) {
        let text = tcp(
            """
              - name: running
                table: discrete
                address: 0
                order: \(order.rawValue)
            """)
        expectProblem(
            text, at: "10:12", field: "signals[0].order",
            "a bool has no byte order (found \(order.rawValue)); remove `order`")
        #expect(
            problems(in: text).map(\.description)
                == [
                    "t.yaml:10:12: signals[0].order: a bool has no byte order (found \(order.rawValue)); remove `order`"
                ])
    }

    @Test("a bool in a register table has no byte order either", arguments: [WordOrder.abcd, .cdab])
    func boolInRegisterOrder(order: WordOrder) {
        expectProblem(
            tcp(
                """
                  - name: running
                    table: holding
                    address: 4
                    type: bool
                    order: \(order.rawValue)
                """), at: "11:12", field: "signals[0].order",
            "a bool has no byte order (found \(order.rawValue)); remove `order`")
    }

    @Test("a 16-bit value takes ABCD or BADC and no word order", arguments: [ValueType.int16, .uint16])
    func sixteenBitOrders(type: ValueType) {
        for order in WordOrder.allCases {
            let text = tcp(
                """
                  - name: t
                    table: input
                    address: 0
                    type: \(type.rawValue)
                    order: \(order.rawValue)
                """)
            if type.allowedOrders.contains(order) {
                #expect(problems(in: text).isEmpty, "\(type.rawValue) \(order.rawValue)")
            } else {
                expectProblem(
                    text, at: "11:12", field: "signals[0].order",
                    "\"\(order.rawValue)\" is impossible for \(type.rawValue) (one register); use ABCD or BADC")
            }
        }
    }

    @Test("a bool signal takes no scale")
    func boolScale() {
        expectProblem(
            tcp(
                """
                  - name: running
                    table: coil
                    address: 0
                    scale: 2
                """), at: "10:5", field: "signals[0].scale", "a bool signal is 0 or 1; `scale` does not apply")
    }

    @Test("register keys on an MQTT device")
    func registerKeysOnMQTT() {
        expectProblem(
            mqtt(
                """
                  - name: p
                    path: pressure.value
                    address: 3
                """), at: "9:5", field: "signals[0].address",
            "`address` is for Modbus devices; an mqtt signal names its JSON field with `path`")
    }

    @Test("a JSON path on a Modbus device")
    func pathOnModbus() {
        expectProblem(
            """
            id: f1
            kind: esr-furnace
            connection:
              type: modbus-rtu
              device: /dev/ttyUSB0
            signals:
              - name: p
                table: input
                address: 0
                path: pressure
            """, at: "10:5", field: "signals[0].path",
            "`path` is for mqtt devices; a modbus-rtu signal names `table` and `address`")
    }

    // MARK: Numbers

    @Test("a scale of 0")
    func zeroScale() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: input
                    address: 0
                    scale: 0
                """), at: "10:12", field: "signals[0].scale", "must not be 0")
    }

    @Test("non-finite numbers", arguments: [".inf", ".nan", "1e400"])
    func nonFinite(number: String) {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: input
                    address: 0
                    offset: \(number)
                """), at: "10:13", field: "signals[0].offset", "must be a finite number")
    }

    @Test("a range whose minimum is not below its maximum")
    func invertedRange() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: input
                    address: 0
                    range: [1100, 0]
                """), at: "10:12", field: "signals[0].range", "the minimum 1100 must be below the maximum 0")
    }

    @Test("a range that is not two numbers")
    func rangeShape() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: input
                    address: 0
                    range: [0, 10, 20]
                """), at: "10:12", field: "signals[0].range", "must be two numbers, [minimum, maximum], found 3")
    }

    @Test("a range item that is not a number")
    func rangeItem() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: input
                    address: 0
                    range: [0, max]
                """), at: "10:16", field: "signals[0].range[1]", "\"max\" must be a number")
    }

    @Test("stuck_after below 2")
    func stuckAfter() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: input
                    address: 0
                    stuck_after: 1
                """), at: "10:18", field: "signals[0].stuck_after", "1 must be at least 2")
    }

    @Test("huge integers are refused, not wrapped")
    func hugeInteger() {
        expectProblem(
            tcp(
                """
                  - name: p
                    table: input
                    address: 99999999999999999999999999
                """), at: "9:14", field: "signals[0].address", "is too large")
    }

    // MARK: Timing

    @Test("a timeout not shorter than the poll interval")
    func timeoutVersusPoll() {
        expectProblem(
            """
            id: f1
            kind: esr-furnace
            poll_interval: 2s
            connection:
              type: modbus-tcp
              host: 10.0.0.5
              timeout: 2000ms
            signals:
              - name: p
                table: input
                address: 0
            """, at: "7:12", field: "connection.timeout", "2s must be shorter than poll_interval (2s)")
    }

    @Test("a zero poll interval")
    func zeroPollInterval() {
        expectProblem(
            """
            id: f1
            kind: esr-furnace
            poll_interval: 0s
            connection:
              type: mqtt
              topic: a/b
            signals:
              - name: p
                path: p
            """, at: "3:16", field: "poll_interval", "0s must be longer than 0")
    }

    @Test("a malformed duration")
    func badDuration() {
        expectProblem(
            """
            id: f1
            kind: esr-furnace
            poll_interval: 30 seconds
            connection:
              type: mqtt
              topic: a/b
            signals:
              - name: p
                path: p
            """, at: "3:16", field: "poll_interval", "is not a duration")
    }

    // MARK: Modbus TCP

    @Test("a TCP port outside 1...65535", arguments: ["0", "65536"])
    func tcpPort(port: String) {
        expectProblem(
            withConnection(
                """
                  type: modbus-tcp
                  host: 10.0.0.5
                  port: \(port)
                """), at: "6:9", field: "connection.port", "\(port) is outside 1...65535")
    }

    @Test("a TCP unit id outside 0...255")
    func tcpUnit() {
        expectProblem(
            withConnection(
                """
                  type: modbus-tcp
                  host: 10.0.0.5
                  unit_id: 256
                """), at: "6:12", field: "connection.unit_id", "256 is outside 0...255")
    }

    @Test("an empty host")
    func emptyHost() {
        expectProblem(
            withConnection(
                """
                  type: modbus-tcp
                  host: ""
                """), at: "5:9", field: "connection.host", "must not be empty")
    }

    @Test("a host with its port")
    func hostWithPort() {
        expectProblem(
            withConnection(
                """
                  type: modbus-tcp
                  host: 10.0.0.5:502
                """), at: "5:9", field: "connection.host", "includes a port; write `host: 10.0.0.5` and `port: 502`")
    }

    // MARK: Modbus RTU

    @Test("an RTU unit id outside 1...247", arguments: ["0", "248"])
    func rtuUnit(unit: String) {
        expectProblem(
            withConnection(
                """
                  type: modbus-rtu
                  device: /dev/ttyUSB0
                  unit_id: \(unit)
                """), at: "6:12", field: "connection.unit_id", "\(unit) is outside 1...247")
    }

    @Test("a baud rate outside the standard set")
    func baud() {
        expectProblem(
            withConnection(
                """
                  type: modbus-rtu
                  device: /dev/ttyUSB0
                  baud: 19000
                """), at: "6:9", field: "connection.baud", "19000 is not a standard rate; use one of 1200, 2400")
    }

    @Test("a parity other than none, even, odd")
    func parity() {
        expectProblem(
            withConnection(
                """
                  type: modbus-rtu
                  device: /dev/ttyUSB0
                  parity: mark
                """), at: "6:11", field: "connection.parity", "\"mark\" is not one of none, even, odd")
    }

    @Test("data bits outside 5...8")
    func dataBits() {
        expectProblem(
            withConnection(
                """
                  type: modbus-rtu
                  device: /dev/ttyUSB0
                  data_bits: 9
                """), at: "6:14", field: "connection.data_bits", "9 is outside 5...8")
    }

    @Test("stop bits other than 1 or 2")
    func stopBits() {
        expectProblem(
            withConnection(
                """
                  type: modbus-rtu
                  device: /dev/ttyUSB0
                  stop_bits: 3
                """), at: "6:14", field: "connection.stop_bits", "3 is outside 1...2")
    }

    @Test("a relative serial device path")
    func relativeDevice() {
        expectProblem(
            withConnection(
                """
                  type: modbus-rtu
                  device: ttyUSB0
                """), at: "5:11", field: "connection.device", "must be an absolute path such as /dev/ttyUSB0")
    }

    // MARK: MQTT

    @Test("a topic filter with a misplaced wildcard")
    func topicWildcard() {
        expectProblem(
            """
            id: f1
            kind: esr-furnace
            connection:
              type: mqtt
              topic: plant/#/telemetry
            signals:
              - name: p
                path: pressure
            """, at: "5:10", field: "connection.topic", "# must be a whole level and the last one")
    }

    @Test("a JSON path with an empty part")
    func emptyPathPart() {
        expectProblem(
            mqtt(
                """
                  - name: p
                    path: pressure..value
                """), at: "8:11", field: "signals[0].path", "has an empty part")
    }

    // MARK: Attributes

    @Test("an attribute that is not a number")
    func attributeValue() {
        expectProblem(
            mqtt(
                """
                  - name: p
                    path: p
                attributes:
                  chamber_volume_m3: twelve
                """), at: "10:22", field: "attributes.chamber_volume_m3", "\"twelve\" must be a number")
    }

    @Test("an attribute name that is not snake case")
    func attributeName() {
        expectProblem(
            mqtt(
                """
                  - name: p
                    path: p
                attributes:
                  Chamber Volume: 12
                """), at: "10:3", field: "attributes.Chamber Volume", "is not a valid attribute name")
    }

    // MARK: Event

    /// A Modbus device with a float pressure, a bool flag and a float minimum, followed by `event`.
    func withEvent(_ event: String) -> String {
        tcp(
            """
              - name: pressure
                table: input
                address: 0
                type: float32
                range: [0, 1100]
              - name: running
                table: discrete
                address: 0
            event:
            \(event)
            """)
    }

    @Test("the shared event file is sound as written")
    func eventBaseline() {
        #expect(
            problems(in: withEvent("  running_signal: running\n  pressure_signal: pressure\n  threshold: 1")).isEmpty)
    }

    @Test("an event signal that does not exist, with a suggestion")
    func unknownEventSignal() {
        expectProblem(
            withEvent("  running_signal: runing\n  pressure_signal: pressure\n  threshold: 1"), at: "16:19",
            field: "event.running_signal", "no signal is named \"runing\"; did you mean \"running\"?")
    }

    @Test("a running signal that is not a bool")
    func runningNotBool() {
        expectProblem(
            withEvent("  running_signal: pressure\n  pressure_signal: pressure\n  threshold: 1"), at: "16:19",
            field: "event.running_signal", "\"pressure\" is float32; running_signal must be a bool signal")
    }

    @Test("a pressure signal that is a bool")
    func pressureBool() {
        expectProblem(
            withEvent("  running_signal: running\n  pressure_signal: running\n  threshold: 1"), at: "17:20",
            field: "event.pressure_signal", "\"running\" is a bool signal; pressure_signal needs a number")
    }

    @Test("a minimum signal that does not exist")
    func unknownMinimumSignal() {
        expectProblem(
            withEvent(
                "  running_signal: running\n  pressure_signal: pressure\n  threshold: 1\n  minimum_signal: minimum"),
            at: "19:19", field: "event.minimum_signal", "no signal is named \"minimum\"")
    }

    @Test("both a running signal and a pressure rule")
    func bothDetections() {
        expectProblem(
            withEvent(
                """
                  running_signal: running
                  pressure_rule: {start_below: 900, end_above: 950}
                  pressure_signal: pressure
                  threshold: 1
                """), at: "17:3", field: "event.pressure_rule", "give either running_signal or pressure_rule")
    }

    @Test("neither a running signal nor a pressure rule")
    func noDetection() {
        expectProblem(
            withEvent("  pressure_signal: pressure\n  threshold: 1"), at: "16:3", field: "event",
            "needs running_signal (a bool signal that is true while an event runs) or pressure_rule")
    }

    @Test("a pressure rule that would end as it starts")
    func pressureRuleOrder() {
        expectProblem(
            withEvent(
                """
                  pressure_rule:
                    start_below: 900
                    end_above: 800
                  pressure_signal: pressure
                  threshold: 1
                """), at: "18:16", field: "event.pressure_rule.end_above", "800 must be above start_below (900)")
    }

    @Test("a threshold no event could miss under a pressure rule")
    func thresholdAboveRuleStart() {
        expectProblem(
            withEvent(
                """
                  pressure_rule: {start_below: 900, end_above: 950, max_duration: 40m}
                  pressure_signal: pressure
                  threshold: 950
                """), at: "18:14", field: "event.threshold", "950 must be below pressure_rule.start_below (900)")
    }

    @Test("a threshold outside the pressure signal's valid range")
    func thresholdOutsideRange() {
        expectProblem(
            withEvent("  running_signal: running\n  pressure_signal: pressure\n  threshold: 2000"), at: "18:14",
            field: "event.threshold", "2000 lies outside pressure's valid range [0, 1100]")
    }

    @Test("a threshold of zero")
    func zeroThreshold() {
        expectProblem(
            withEvent("  running_signal: running\n  pressure_signal: pressure\n  threshold: 0"), at: "18:14",
            field: "event.threshold", "0 must be above 0")
    }

    @Test("a missing threshold")
    func missingThreshold() {
        expectProblem(
            withEvent("  running_signal: running\n  pressure_signal: pressure"), at: "16:3", field: "event.threshold",
            "required key is missing")
    }

    // MARK: Whole files

    @Test("a list at the top level")
    func listAtTop() {
        expectProblem("- id: f1\n", at: "1:1", field: "", "must be a mapping of `key: value` lines, found a list")
    }

    @Test("an empty file")
    func emptyFile() {
        expectProblem("# nothing yet\n", at: "1:1", field: "", "the file is empty")
    }

    @Test("a YAML syntax error carries libyaml's text")
    func syntaxError() {
        expectProblem("id: f1\nkind: [esr\n", at: "2:11", field: "", "did not find expected ',' or ']'")
    }

    @Test("a duplicate key")
    func duplicateKey() {
        expectProblem("id: f1\nid: f2\n", at: "2:1", field: "", "duplicate key \"id\" (first at line 1)")
    }

    @Test("binary junk")
    func binaryJunk() {
        let junk: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0xFF, 0xFE]
        #expect(throws: DeviceFileError.self) { try DeviceFileLoader.parse(bytes: junk, file: "t.yaml") }
    }
}
