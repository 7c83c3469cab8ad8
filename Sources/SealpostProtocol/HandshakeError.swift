import SealpostWire

/// Why a bundle or an initial message was refused (`Spec/handshake.md`, "Errors").
///
/// Structural checks — lengths, versions, ids, ages, list membership — each have their own case.
/// Every cryptographic failure (a bad signature, a signature made under another label, a key
/// confirmation that does not match, which is how a tampered KEM ciphertext shows) is the single
/// case ``authenticationFailed``.
public enum HandshakeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes do not parse: see the ``WireError``.
    case malformed(WireError)
    /// A signature or the key confirmation did not verify. Deliberately says no more.
    case authenticationFailed
    /// The certificate or list names another account than the one expected.
    case accountMismatch
    /// The message is addressed to another account or device than this one.
    case notForThisDevice
    /// The device is not in its account's signed device list.
    case deviceNotInList(DeviceID)
    /// The device is in the list with another identity key than its certificate's.
    case deviceKeyMismatch(DeviceID)
    /// The device list is older than one already seen for the account.
    case deviceListRolledBack(pinned: UInt64, got: UInt64)
    /// A different device list with the same version as one already seen (a fork).
    case deviceListConflict(version: UInt64)
    /// The signed or last-resort prekey is older than ``Limits/maximumPrekeyAge``.
    case prekeyExpired(kind: String, ageSeconds: UInt64)
    /// A prekey or certificate claims a creation time too far in the future.
    case createdInTheFuture(kind: String, createdAt: UInt64)
    /// No state knows this base key and no private key exists for the named prekey.
    case unknownPrekey(kind: String, id: UInt32)
    /// A base key already used with the last-resort ML-KEM prekey: an initial message replayed
    /// into a second session.
    case replayedInitialMessage

    /// The machine-readable code, as vector files name it; a structural failure carries the
    /// ``WireError``'s own code.
    public var code: String {
        switch self {
        case .malformed(let error): error.code
        case .authenticationFailed: "authenticationFailed"
        case .accountMismatch: "accountMismatch"
        case .notForThisDevice: "notForThisDevice"
        case .deviceNotInList: "deviceNotInList"
        case .deviceKeyMismatch: "deviceKeyMismatch"
        case .deviceListRolledBack: "deviceListRolledBack"
        case .deviceListConflict: "deviceListConflict"
        case .prekeyExpired: "prekeyExpired"
        case .createdInTheFuture: "createdInTheFuture"
        case .unknownPrekey: "unknownPrekey"
        case .replayedInitialMessage: "replayedInitialMessage"
        }
    }

    /// A sentence a person can act on; never secret bytes.
    public var description: String {
        switch self {
        case .malformed(let error): "malformed: \(error)"
        case .authenticationFailed: "authentication failed"
        case .accountMismatch: "the certificate or device list belongs to another account"
        case .notForThisDevice: "the initial message is addressed to another device"
        case .deviceNotInList(let id): "device \(id) is not in its account's signed device list"
        case .deviceKeyMismatch(let id): "device \(id) has another identity key in its account's device list"
        case .deviceListRolledBack(let pinned, let got): "device list version \(got) is older than version \(pinned) already seen"
        case .deviceListConflict(let version): "a different device list with version \(version) was already seen"
        case .prekeyExpired(let kind, let age): "\(kind) is \(age / Limits.day) days old, older than the \(Limits.maximumPrekeyAge / Limits.day) days accepted"
        case .createdInTheFuture(let kind, let createdAt): "\(kind) claims to be created at \(createdAt), in the future"
        case .unknownPrekey(let kind, let id): "no private key for \(kind) \(id)"
        case .replayedInitialMessage: "initial message replayed: its base key was already used with the last-resort prekey"
        }
    }

    /// Maps a wire error: a failed signature is an authentication failure, the rest is structure.
    init(_ error: WireError) {
        self = error == .authenticationFailed ? .authenticationFailed : .malformed(error)
    }
}

/// Runs `body`, turning a ``WireError`` into a ``HandshakeError``.
func wire<T>(_ body: () throws(WireError) -> T) throws(HandshakeError) -> T {
    do {
        return try body()
    } catch {
        throw HandshakeError(error)
    }
}
