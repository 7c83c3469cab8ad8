import ArgumentParser
import Foundation
import SealpostClient
import SealpostCrypto
import SealpostProtocol
import SealpostVault

/// `sealpost backup`: encrypted backups of the account (`Spec/devices.md`, "Backups").
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Export the account to an encrypted backup, or restore one on a new device.",
        subcommands: [ExportBackupCommand.self, ImportBackupCommand.self])
}

/// How a backup is keyed: the recovery key, or a backup passphrase.
struct BackupKeyOptions: ParsableArguments {
    @Flag(help: "Encrypt under a passphrase ($SEALPOST_BACKUP_PASSPHRASE, or asked) instead of the recovery key.") var passphrase = false

    func key(confirm: Bool, recoveryKey: () async throws -> RecoveryKey?) async throws -> BackupKey {
        if passphrase {
            if let value = ProcessInfo.processInfo.environment["SEALPOST_BACKUP_PASSPHRASE"] { return .passphrase(text: value) }
            guard let first = Terminal.readSecret("Backup passphrase: "), !first.isEmpty else { throw CLIError("no backup passphrase (set SEALPOST_BACKUP_PASSPHRASE for scripts)") }
            if confirm { guard Terminal.readSecret("Again: ") == first else { throw CLIError("the passphrases differ") } }
            return .passphrase(text: first)
        }
        if let key = try await recoveryKey() { return .recoveryKey(key) }
        return .recoveryKey(try RecoveryKeyInput.read())
    }
}

/// The recovery key from `$SEALPOST_RECOVERY_KEY` or typed.
enum RecoveryKeyInput {
    static func read() throws -> RecoveryKey {
        let text = try Terminal.secret("SEALPOST_RECOVERY_KEY", prompt: "Recovery key: ", what: "recovery key")
        do { return try RecoveryKey(text: SecretBytes(copying: Array(text.utf8))) } catch { throw CLIError("\(error)") }
    }
}

/// `sealpost backup export FILE`.
struct ExportBackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an encrypted backup: account key, contacts, verified safety numbers and history (never sessions or prekeys).")

    @OptionGroup var options: VaultOptions
    @OptionGroup var keyOptions: BackupKeyOptions
    @Argument(help: "The backup file to write (it must not exist).") var file: String
    @Flag(help: "Leave the message history out.") var noHistory = false

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: file) else { throw CLIError("\(file) exists: choose another name") }
        let bytes = try await options.withClient { client in
            let key = try await keyOptions.key(confirm: true) { try await client.recoveryKey() }
            return try await client.exportBackup(key: key, includeHistory: !noHistory)
        }
        guard FileManager.default.createFile(atPath: file, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("\(file): cannot write")
        }
        options.output.emit(
            "wrote \(file) (\(bytes.count) bytes, under \(keyOptions.passphrase ? "the passphrase" : "the recovery key"))", ["file": file, "bytes": bytes.count])
    }
}

/// `sealpost backup import FILE`: restore on a new device.
struct ImportBackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Restore a backup as a new device of the account (into a vault made with `init`); conversations continue by themselves.")

    @OptionGroup var options: VaultOptions
    @OptionGroup var keyOptions: BackupKeyOptions
    @Argument(help: "The backup file.") var file: String
    @Option(help: "The relay's URL, if not the one in the backup.") var relay: String?
    @Flag(help: "Remove the account's other devices (they were lost): their mailboxes are deleted.") var removeOtherDevices = false

    func run() async throws {
        let output = options.output
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("\(file): cannot read") }
        let key = try await keyOptions.key(confirm: false) { nil }
        let archive = try SealpostClient.readBackup(Array(data), key: key)
        let vault = try options.openVault()
        output.progress("restoring account \(archive.accountID) (\(archive.contacts.count) contacts, \(archive.messages.count) history entries) …")
        let client = try await SealpostClient.restore(
            vault: vault, backup: archive, endpoint: relay.map { RelayEndpoint(url: $0, origin: archive.relayOrigin) }, removingOtherDevices: removeOtherDevices)
        let address = await client.address
        await client.close()
        output.emit(
            "restored account \(address.accountID) as new device \(address.deviceID): \(archive.contacts.count) contacts, \(archive.messages.count) history entries; contacts see a new device, their safety numbers do not change",
            ["account": "\(address.accountID)", "device": Int(address.deviceID.value), "contacts": archive.contacts.count, "messages": archive.messages.count])
    }
}
