import ArgumentParser
import Foundation
import SealpostClient
import SealpostVault

/// `sealpost`: the command-line client (`README.md`, "Quick start").
@main
struct SealpostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sealpost",
        abstract: "An end-to-end encrypted messenger client: sealed sender, post-quantum handshake, an encrypted local vault.",
        subcommands: [
            InitCommand.self, RegisterCommand.self, SendCommand.self, ListenCommand.self, ReceiveCommand.self, HistoryCommand.self,
            ContactsCommand.self, VerifyCommand.self, DevicesCommand.self, RecoveryKeyCommand.self, RestoreCommand.self, BackupCommand.self, ResetAccountCommand.self, DemoCommand.self,
        ])
}

/// Where the vault is, how it is unlocked, and how output is written.
struct VaultOptions: ParsableArguments {
    @Option(help: "The vault file (default: $SEALPOST_VAULT, or ./sealpost.vault).")
    var vault: String?

    @Flag(help: "Write JSON lines instead of text, for scripts.")
    var json = false

    var path: String { vault ?? ProcessInfo.processInfo.environment["SEALPOST_VAULT"] ?? "sealpost.vault" }

    /// The passphrase: `$SEALPOST_PASSPHRASE` for scripts, otherwise asked without echo.
    func passphrase(confirm: Bool = false) throws -> String {
        if let passphrase = ProcessInfo.processInfo.environment["SEALPOST_PASSPHRASE"] { return passphrase }
        guard let first = Terminal.readSecret("Vault passphrase: ") else { throw ValidationError("no passphrase (set SEALPOST_PASSPHRASE for scripts)") }
        if confirm {
            guard Terminal.readSecret("Again: ") == first else { throw ValidationError("the passphrases differ") }
        }
        return first
    }

    func openVault() throws -> Vault {
        do { return try Vault.open(at: path, passphrase: try passphrase()) } catch let error as VaultError {
            throw CLIError("\(path): \(error)")
        }
    }

    /// Opens the vault and the registered device in it.
    func openClient() async throws -> SealpostClient {
        try await SealpostClient.open(vault: try openVault())
    }

    /// Runs `body` with the device, closed afterwards whether `body` succeeds or fails.
    func withClient<T>(_ body: (SealpostClient) async throws -> T) async throws -> T {
        let client = try await openClient()
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    var output: Output { Output(json: json) }
}

/// An error for the user, printed as one line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
