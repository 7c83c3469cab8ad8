import ArgumentParser
import Foundation
import SealpostClient
import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

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

/// `sealpost recovery-key`: shows the account key as the recovery key to write down.
struct RecoveryKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery-key", abstract: "Show the recovery key: with it, the account can be restored on a new device if every device is lost.")

    @OptionGroup var options: VaultOptions

    func run() async throws {
        let client = try await options.openClient()
        let text = try await client.recoveryKey().text.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        options.output.progress("Write this down and keep it safe: anyone who has it can take over the account.")
        options.output.emit(text, ["recoveryKey": text])
        await client.close()
    }
}

/// `sealpost restore`: the account on this (new) device, from the recovery key.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore an account on this device from its recovery key (into a vault made with `init`).")

    @OptionGroup var options: VaultOptions
    @Option(help: "The relay's URL.") var relay: String
    @Option(help: "The operator root fingerprint to pin.") var root: String
    @Option(help: "The account's user name (shown to this device; claimed again at the relay).") var name: String?
    @Option(help: "The relay's origin, when it differs from its URL.") var origin: String?
    @Flag(help: "Remove the account's other devices (they were lost): their mailboxes are deleted.") var removeOtherDevices = false

    func run() async throws {
        let output = options.output
        let vault = try options.openVault()
        let key = try RecoveryKeyInput.read()
        output.progress("restoring account \(key.accountID) at \(relay) …")
        let client = try await SealpostClient.restore(
            vault: vault, endpoint: RelayEndpoint(url: relay, origin: origin), rootFingerprint: root, recoveryKey: key, userName: name,
            removingOtherDevices: removeOtherDevices)
        let address = await client.address
        await client.close()
        output.emit(
            "restored account \(address.accountID) as device \(address.deviceID); contacts see a new device, their safety numbers do not change",
            ["account": "\(address.accountID)", "device": Int(address.deviceID.value)])
    }
}

/// `sealpost reset-account`: a new account key for an account whose key is lost, with the
/// operator's reset code.
struct ResetAccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-account",
        abstract: "With the operator's reset code, bind an account whose key is lost (no device, recovery key or backup) to a new key, on this device.",
        discussion: "Contacts are warned of the key change; those who verified you must compare the new safety number. Contacts and history do not come back.")

    @OptionGroup var options: VaultOptions
    @Option(help: "The relay's URL.") var relay: String
    @Option(help: "The operator root fingerprint to pin.") var root: String
    @Option(help: "The account id (32 hex digits).") var account: String
    @Option(help: "The account's user name (kept by the relay; shown on this device).") var name: String?
    @Option(help: "The relay's origin, when it differs from its URL.") var origin: String?

    func run() async throws {
        let output = options.output
        let accountID: AccountID
        do { accountID = try AccountID(hex: account) } catch { throw CLIError("\(account) is not an account id") }
        let code = try Terminal.secret("SEALPOST_RESET_CODE", prompt: "Reset code from the operator: ", what: "reset code")
        let vault = try options.openVault()
        output.progress("binding account \(accountID) to a new account key at \(relay) …")
        let client = try await SealpostClient.resetAccount(
            vault: vault, endpoint: RelayEndpoint(url: relay, origin: origin), rootFingerprint: root, accountID: accountID, resetCode: code,
            userName: name)
        let address = await client.address
        await client.close()
        output.emit(
            "account \(address.accountID) has a new account key, on device \(address.deviceID): contacts are warned of the change; write down the new recovery key (sealpost recovery-key)",
            ["account": "\(address.accountID)", "device": Int(address.deviceID.value)])
    }
}
