import ArgumentParser
import Foundation
import SealpostClient
import SealpostVault

/// `sealpost init`: creates the vault.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create an encrypted vault for this device.")

    @OptionGroup var options: VaultOptions

    func run() async throws {
        let output = options.output
        output.progress("deriving the vault key (Argon2id, 64 MiB) …")
        do {
            let vault = try Vault.create(at: options.path, passphrase: try options.passphrase(confirm: true))
            try vault.close()
        } catch let error as VaultError {
            throw CLIError("\(options.path): \(error)")
        }
        output.emit("created \(options.path) (keep it out of operating-system backups)", ["vault": options.path])
    }
}

/// `sealpost register`: a new account with this device at a relay.
struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "register", abstract: "Register a new account with this device at a relay.")

    @OptionGroup var options: VaultOptions
    @Option(help: "The relay's URL, e.g. http://127.0.0.1:8787.") var relay: String
    @Option(help: "The operator root fingerprint to pin (the relay prints it at start).") var root: String
    @Option(help: "Your user name: 3 to 32 of a-z 0-9 . _ -, starting with a letter.") var name: String
    @Option(help: "An invite code, for a relay that requires one.") var invite: String?
    @Option(help: "The relay's origin, when it differs from its URL (its --origin).") var origin: String?

    func run() async throws {
        let output = options.output
        let vault = try options.openVault()
        output.progress("registering at \(relay) …")
        let client = try await SealpostClient.register(
            vault: vault, endpoint: RelayEndpoint(url: relay, origin: origin), rootFingerprint: root, userName: name, invite: invite)
        let address = await client.address
        await client.close()
        output.emit(
            "registered \(name): account \(address.accountID), device \(address.deviceID)",
            ["name": name, "account": "\(address.accountID)", "device": Int(address.deviceID.value)])
    }
}
