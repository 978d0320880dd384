import Agent
import ArgumentParser
@preconcurrency import Glibc
import Plant
import Support

struct OnboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onboard",
        abstract:
            "Validate a device file and place it in the agent's devices folder, where the running agent finds it.",
        discussion: """
            The folder is the `devices` folder of --config, or --devices; one of them is required. The file is \
            checked first (as by `hearth validate`, including against the folder's other files); if it has a \
            problem, nothing changes. Otherwise it is copied atomically into the folder, where an agent running \
            with that configuration notices it within seconds, starts polling the furnace and starts adapting a \
            model to it.
            """)

    @Argument(help: "The new device file.")
    var file: String

    @Option(name: .long, help: "The agent configuration (its `devices` folder is used).")
    var config: String?

    @Option(name: .long, help: "The devices folder (overrides the configuration's).")
    var devices: String?

    func run() async throws {
        var configured: String?
        if let config {
            do {
                configured = try AgentConfiguration.load(path: config).devicesFolder
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
        guard let folder = devices ?? configured else {
            throw CommandFailure(
                "name the agent's devices folder: --config with its configuration file, or --devices FOLDER")
        }
        var status = stat()
        guard stat(folder, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw CommandFailure("\(folder) is not a folder; no agent reads device files from it")
        }
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let destination = folder + "/" + name
        let others = ((try? DeviceFileLoader.deviceFilePaths(inFolder: folder)) ?? []).filter { $0 != destination }
        if let error = DeviceFileLoader.validate(paths: [file] + others) {
            let own = error.problems.filter { $0.file == file || $0.message.contains(file) }
            for problem in own.isEmpty ? error.problems : own { printError(problem.description) }
            printError("\(file) not onboarded")
            throw ExitCode(1)
        }
        do {
            try TextFile.writeDurably(try TextFile.read(path: file), to: destination)
        } catch {
            throw CommandFailure("\(error)")
        }
        let device = try DeviceFileLoader.load(path: destination)
        // Only a configuration says which folder an agent watches; a bare folder may be anyone's.
        let watched = folder == configured
        print(
            "\(device.id) onboarded: \(destination) (\(device.connection.summary)); "
                + (watched
                    ? "the running agent starts polling it within seconds"
                    : "an agent run with --devices \(folder) polls it"))
    }
}
