import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// The key a backup is encrypted under: the account's recovery key, or a passphrase through
/// Argon2id.
public enum BackupKey: Sendable {
    /// The recovery key the user wrote down.
    case recoveryKey(RecoveryKey)
    /// A passphrase: its UTF-8 bytes after Unicode NFC normalization (``passphrase(text:)``).
    case passphrase(SecretBytes)

    /// A passphrase as typed, normalized as the vault's is (NFC, then UTF-8), so the same
    /// passphrase typed on two keyboards opens the backup.
    public static func passphrase(text: String) -> BackupKey { .passphrase(Vault.passphraseBytes(text)) }
}

/// Why a backup was refused (`Spec/devices.md`, "Backups"). No case carries a secret.
public enum BackupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file does not start with the backup magic.
    case notABackup
    /// A version or key source this build does not read.
    case unsupportedVersion
    /// Argon2id costs outside what any vault may demand.
    case unsupportedParameters
    /// The key is wrong, or the file was altered (a changed, dropped or reordered record).
    case authenticationFailed
    /// The file ends before its last record: it was cut short.
    case truncated
    /// The file authenticates but its content does not parse, or bytes follow the last record.
    case malformed(String)

    /// The machine-readable code, as vector files name it.
    public var code: String {
        switch self {
        case .notABackup: "notABackup"
        case .unsupportedVersion: "unsupportedVersion"
        case .unsupportedParameters: "unsupportedParameters"
        case .authenticationFailed: "authenticationFailed"
        case .truncated: "truncated"
        case .malformed: "malformed"
        }
    }

    /// A sentence for the user.
    public var description: String {
        switch self {
        case .notABackup: "this is not a Sealpost backup"
        case .unsupportedVersion: "this backup is of a newer version"
        case .unsupportedParameters: "this backup asks for key-derivation costs no backup may ask for"
        case .authenticationFailed: "the key is wrong or the backup was altered"
        case .truncated: "the backup is cut short"
        case .malformed(let what): "the backup's content is malformed: \(what)"
        }
    }
}

/// An encrypted backup of an ``AccountArchive`` (`Spec/devices.md`, "Backups"):
///
/// ```
/// header  = "SPBACKUP" ‖ u8 version = 0x01 ‖ u8 key source (0x01 recovery key, 0x02 passphrase)
///           ‖ [passphrase: salt (16) ‖ u32 iterations ‖ u32 memory KiB] ‖ secretstream header (24)
/// record  = u32 length ‖ crypto_secretstream_xchacha20poly1305 message (associated data: header)
/// file    = header ‖ one record per archive record, the last one (the end record) tagged FINAL
/// key     = recovery key: HKDF-SHA256(salt = "", ikm = account key seed,
///                                     info = "sealpost/backup/v1/recovery-key" ‖ account id, 32)
///           passphrase:   Argon2id(passphrase, salt, iterations, memory, 32)
/// ```
///
/// The stream detects a dropped, repeated, reordered or changed record, and a file cut after any
/// record but the last. It holds no session record and no prekey or device private key.
public enum BackupFile {
    static let magic = Array("SPBACKUP".utf8)
    static let version: UInt8 = 1
    static let recoveryLabel = Array("sealpost/backup/v1/recovery-key".utf8)
    /// The most Argon2id memory a backup may ask for before anything in it is authenticated:
    /// four times what this build writes (``VaultParameters/phone``), far below what would
    /// exhaust a phone.
    public static let maximumMemoryBytes = 256 << 20
    /// The most Argon2id passes a backup may ask for.
    public static let maximumIterations = 8

    /// Encrypts `archive` under `key`, with `parameters` for a passphrase.
    public static func write(_ archive: AccountArchive, key: BackupKey, parameters: VaultParameters = .phone) throws(BackupError) -> [UInt8] {
        try write(archive, key: key, parameters: parameters, salt: SecureRandom.bytes(count: Argon2id.saltByteCount), streamHeader: nil)
    }

    /// As ``write(_:key:parameters:)`` with a given salt and stream header: test vectors only.
    package static func write(_ archive: AccountArchive, key: BackupKey, parameters: VaultParameters, salt: [UInt8], streamHeader: [UInt8]?) throws(BackupError) -> [UInt8] {
        var header = magic + [version]
        let streamKey: AEADKey
        switch key {
        case .recoveryKey(let recovery):
            header.append(1)
            streamKey = try recoveryStreamKey(recovery)
        case .passphrase(let passphrase):
            header.append(2)
            var writer = ByteWriter()
            writer.raw(salt)
            writer.u32(UInt32(parameters.argon2.iterations))
            writer.u32(UInt32(parameters.argon2.memoryBytes / 1024))
            header += writer.takeBytes()
            streamKey = try passphraseStreamKey(passphrase, salt: salt, parameters: parameters.argon2)
        }
        let encryptor: SecretStream.Encryptor
        if let streamHeader {
            do { encryptor = try SecretStream.Encryptor(key: streamKey, header: streamHeader) } catch { throw .malformed("a stream header is 24 bytes") }
        } else {
            encryptor = SecretStream.Encryptor(key: streamKey)
        }
        header += encryptor.header
        var file = header
        let records = archive.records()
        for (index, record) in records.enumerated() {
            let sealed = encryptor.push(record, authenticating: header, tag: index == records.count - 1 ? .final : .message)
            var length = ByteWriter()
            length.u32(UInt32(sealed.count))
            file += length.takeBytes() + sealed
        }
        return file
    }

    /// Decrypts and reads a backup.
    /// - Throws: ``BackupError`` for a file that is not a backup, of another version, with
    ///   excessive costs, under another key or altered, cut short, or whose content is malformed.
    public static func read(_ file: [UInt8], key: BackupKey) throws(BackupError) -> AccountArchive {
        var reader = ByteReader(file, structure: "backup")
        let header: [UInt8]
        let streamKey: AEADKey
        do {
            guard try reader.raw(magic.count) == magic else { throw BackupError.notABackup }
            guard try reader.u8() == version else { throw BackupError.unsupportedVersion }
            let source = try reader.u8()
            switch (source, key) {
            case (1, .recoveryKey(let recovery)):
                streamKey = try recoveryStreamKey(recovery)
            case (2, .passphrase(let passphrase)):
                let salt = try reader.raw(Argon2id.saltByteCount)
                let iterations = Int(try reader.u32()), memory = Int(try reader.u32())
                guard iterations <= maximumIterations, memory <= maximumMemoryBytes / 1024,
                    let parameters = try? Argon2id.Parameters(iterations: iterations, memoryBytes: memory * 1024)
                else { throw BackupError.unsupportedParameters }
                streamKey = try passphraseStreamKey(passphrase, salt: salt, parameters: parameters)
            case (1, _), (2, _):
                // The other kind of key: it cannot be right.
                throw BackupError.authenticationFailed
            default:
                throw BackupError.unsupportedVersion
            }
            _ = try reader.raw(SecretStream.headerByteCount)
        } catch let error as BackupError {
            throw error
        } catch {
            throw .notABackup
        }
        header = Array(file[..<(file.count - reader.remaining)])
        let decryptor: SecretStream.Decryptor
        do { decryptor = try SecretStream.Decryptor(key: streamKey, header: Array(header.suffix(SecretStream.headerByteCount))) } catch {
            throw .authenticationFailed
        }
        var finished = false
        var offset = header.count
        // What the stream found, as opposed to what the archive's parser found.
        var failure: BackupError?
        let next = { () throws(VaultError) -> SecretBytes? in
            guard !finished else {
                guard offset == file.count else {
                    failure = .malformed("bytes after the final record")
                    throw .storage("bytes after the final record")
                }
                return nil
            }
            guard file.count - offset >= 4, let length = Optional((0..<4).reduce(0) { $0 << 8 | Int(file[offset + $1]) }),
                file.count - offset - 4 >= length
            else {
                failure = .truncated
                throw .storage("truncated")
            }
            guard length <= AccountArchive.maximumRecordBytes + SecretStream.overheadByteCount else {
                failure = .malformed("a record longer than any archive record")
                throw .storage("a record too long")
            }
            let sealed = Array(file[(offset + 4)..<(offset + 4 + length)])
            offset += 4 + length
            let pulled: (message: SecretBytes, tag: SecretStream.Tag)
            do { pulled = try decryptor.pull(sealed, authenticating: header) } catch {
                failure = .authenticationFailed
                throw .authenticationFailed
            }
            guard pulled.tag == .message || pulled.tag == .final else {
                failure = .malformed("a stream tag other than MESSAGE or FINAL")
                throw .storage("stream tag")
            }
            if pulled.tag == .final { finished = true }
            return pulled.message
        }
        do {
            return try AccountArchive(reading: next)
        } catch {
            if let failure { throw failure }
            throw .malformed("\(error)")
        }
    }

    static func recoveryStreamKey(_ recovery: RecoveryKey) throws(BackupError) -> AEADKey {
        do {
            let okm = try HKDFSHA256.deriveKey(
                inputKeyMaterial: recovery.accountKey.seed, salt: [], info: recoveryLabel + recovery.accountID.rawRepresentation, outputByteCount: 32)
            return try AEADKey(okm)
        } catch {
            throw .malformed("key derivation failed")
        }
    }

    static func passphraseStreamKey(_ passphrase: SecretBytes, salt: [UInt8], parameters: Argon2id.Parameters) throws(BackupError) -> AEADKey {
        do {
            return try AEADKey(try Argon2id.deriveKey(password: passphrase, salt: salt, parameters: parameters, outputByteCount: 32))
        } catch {
            throw .unsupportedParameters
        }
    }
}
