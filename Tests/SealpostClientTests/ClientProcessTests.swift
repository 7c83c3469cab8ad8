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
}
