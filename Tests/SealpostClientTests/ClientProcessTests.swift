import Foundation
import Testing
import SealpostCrypto
import SealpostTestSupport
import SealpostWire
@_spi(Testing) import SealpostVault
@testable import SealpostClient

@Suite("The sealpost CLI as a process", .serialized)
struct ClientProcessTests {
    static var binary: URL { RelayProcess.binary.deletingLastPathComponent().appendingPathComponent("sealpost") }

    /// Runs `sealpost` with `arguments`; returns its exit status and output.
    func run(_ arguments: [String], passphrase: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["SEALPOST_PASSPHRASE": passphrase]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `sealpost listen` is killed with SIGKILL while messages arrive; `sealpost receive` then
    /// finishes the mailbox. Bob's vault holds every message exactly once.
    @Test(.timeLimit(.minutes(2))) func aListenerKilledMidReceiveLosesNothingAndStoresNothingTwice() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let relay = try RelayProcess(data: folder.appendingPathComponent("relay"))
        defer { relay.stop() }
        let alice = try await TestDevice.register("alice", at: relay, folder: folder)
        let bob = try await TestDevice.register("bob", at: relay, folder: folder)
        let aliceAccount = await alice.client.address.accountID
        await bob.client.close()
        try bob.client.vault.close()
        let count = 40
        for index in 0..<count { try await alice.client.send(text: "message \(index)", to: "bob") }

        // Bob's listener, killed once it has printed a quarter of them.
        let listener = Process()
        listener.executableURL = Self.binary
        listener.arguments = ["listen", "--vault", bob.path, "--json"]
        listener.environment = ProcessInfo.processInfo.environment.merging(["SEALPOST_PASSPHRASE": "bob"]) { $1 }
        let output = Pipe()
        listener.standardOutput = output
        listener.standardError = FileHandle.nullDevice
        try listener.run()
        var printed = ""
        let deadline = Date().addingTimeInterval(60)
        while printed.components(separatedBy: "\"event\":\"message\"").count - 1 < count / 4, Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { if !listener.isRunning { break }; continue }
            printed += String(decoding: chunk, as: UTF8.self)
        }
        kill(listener.processIdentifier, SIGKILL)
        listener.waitUntilExit()
        #expect(listener.terminationReason == .uncaughtSignal)

        let (status, _) = try run(["receive", "--vault", bob.path, "--json"], passphrase: "bob")
        #expect(status == 0)
        let vault = try Vault.open(at: bob.path, passphrase: "bob")
        let history = try vault.history(with: aliceAccount).compactMap { entry -> String? in
            guard !entry.outgoing, let content = try? Content(serialized: entry.body), case .text(let text) = content.body else { return nil }
            return text
        }
        #expect(history.count == count)
        #expect(Set(history) == Set((0..<count).map { "message \($0)" }))
        try vault.close()
        await alice.client.close()
    }

    /// A started `sealpost` process with pipes for its input, output and errors.
    final class Interactive: @unchecked Sendable {
        let process = Process()
        let input = Pipe(), output = Pipe(), errors = Pipe()
        var seenOutput = "", seenErrors = ""

        init(_ arguments: [String], environment: [String: String]) throws {
            process.executableURL = ClientProcessTests.binary
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors
            try process.run()
        }

        /// Reads standard output (or errors) until `text` appears (at most 60 s); returns all read.
        func wait(for text: String, onErrors: Bool = false) throws -> String {
            let handle = (onErrors ? errors : output).fileHandleForReading
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let seen = onErrors ? seenErrors : seenOutput
                if seen.contains(text) { return seen }
                let chunk = handle.availableData
                if chunk.isEmpty { if !process.isRunning { break }; continue }
                if onErrors { seenErrors += String(decoding: chunk, as: UTF8.self) } else { seenOutput += String(decoding: chunk, as: UTF8.self) }
            }
            throw CLIProcessError(text: "no \"\(text)\" in: \(onErrors ? seenErrors : seenOutput)")
        }

        /// Types a line.
        func answer(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

        /// Waits for the exit; returns the status.
        func finish() -> Int32 {
            seenOutput += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    struct CLIProcessError: Error, CustomStringConvertible {
        let text: String
        var description: String { text }
    }

    /// The six digits in `text` after `marker`.
    func digits(after marker: String, in text: String) -> String? {
        guard let range = text.range(of: marker) else { return nil }
        return String(text[range.upperBound...].filter(\.isNumber).prefix(6))
    }

    /// Linking and backups as a user runs them: `sealpost devices link` on a new device,
    /// `sealpost devices add CODE` on Alice's, each user comparing the six digits and confirming;
    /// then `sealpost backup export` and `sealpost backup import` onto a third vault, which
    /// becomes the account's only device.
    @Test(.timeLimit(.minutes(2))) func devicesAreLinkedAndRestoredFromTheCommandLine() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let relay = try RelayProcess(data: folder.appendingPathComponent("relay"))
        defer { relay.stop() }
        let alice = try await TestDevice.register("alice", at: relay, folder: folder)
        await alice.client.close()
        try alice.client.vault.close()
        let laptop = folder.appendingPathComponent("laptop.vault").path, phone = folder.appendingPathComponent("phone.vault").path
        for path in [laptop, phone] { try Vault.create(at: path, passphrase: "new", parameters: .fastTest).close() }

        let link = try Interactive(["devices", "link", "--vault", laptop, "--relay", relay.url, "--json"], environment: ["SEALPOST_PASSPHRASE": "new"])
        let codeLine = try link.wait(for: "SEALPOST-LINK-")
        let code = try #require(codeLine.range(of: "SEALPOST-LINK-").map { String(codeLine[$0.lowerBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }) })
        let add = try Interactive(["devices", "add", "--vault", alice.path, code], environment: ["SEALPOST_PASSPHRASE": "alice"])
        // Alice's device asks whether the digits match those the new device shows.
        let asked = try add.wait(for: "[y/N]", onErrors: true)
        let shownNew = try link.wait(for: "\"sas\"")
        let onExisting = digits(after: "should show:", in: asked), onNew = digits(after: "\"sas\":", in: shownNew)
        #expect(onExisting != nil && onExisting == onNew)
        add.answer("y")
        // The new device asks whether to join Alice's account.
        let joining = try link.wait(for: "[y/N]", onErrors: true)
        #expect(joining.contains("Join the account of alice"))
        link.answer("y")
        #expect(add.finish() == 0)
        #expect(link.finish() == 0)
        #expect(link.seenOutput.contains("\"event\":\"linked\""))
        let listed = try run(["devices", "--vault", laptop, "--json"], passphrase: "new")
        #expect(listed.status == 0 && listed.output.components(separatedBy: "\"device\":").count - 1 == 2, "\(listed.output)")

        // A backup under a passphrase, restored on a third vault as the only device.
        let backup = folder.appendingPathComponent("alice.backup").path
        let export = try Interactive(
            ["backup", "export", "--vault", alice.path, backup, "--passphrase"], environment: ["SEALPOST_PASSPHRASE": "alice", "SEALPOST_BACKUP_PASSPHRASE": "backup words"])
        #expect(export.finish() == 0)
        let restore = try Interactive(
            ["backup", "import", "--vault", phone, backup, "--passphrase", "--remove-other-devices", "--json"],
            environment: ["SEALPOST_PASSPHRASE": "new", "SEALPOST_BACKUP_PASSPHRASE": "backup words"])
        #expect(restore.finish() == 0, "\(restore.seenOutput)")
        let remaining = try run(["devices", "--vault", phone, "--json"], passphrase: "new")
        #expect(remaining.output.contains("\"device\":3") && remaining.output.components(separatedBy: "\"device\":").count - 1 == 1, "\(remaining.output)")
        // A wrong passphrase is refused, and nothing is written.
        let wrong = try Interactive(
            ["backup", "import", "--vault", laptop, backup, "--passphrase"], environment: ["SEALPOST_PASSPHRASE": "new", "SEALPOST_BACKUP_PASSPHRASE": "guess"])
        #expect(wrong.finish() != 0)
    }
}
