import SealpostProtocol
import SealpostVault
import SealpostWire

/// Why a client operation failed. No case carries a secret; relay answers carry the relay's own
/// machine-readable code.
public enum ClientError: Error, Sendable, CustomStringConvertible {
    /// The vault holds no registered device yet (`register` first).
    case notRegistered
    /// The vault already holds a registered device.
    case alreadyRegistered
    /// The relay answered with an error (`Spec/relay.md`, "Conventions").
    case relay(status: Int, code: String, message: String, details: [UInt8])
    /// The relay could not be reached, or the connection failed.
    case network(String)
    /// No account has this user name.
    case unknownUser(String)
    /// The relay's operator root is not the pinned one, or its certificates do not verify.
    case untrustedOperator(String)
    /// A verified contact's account key changed: nothing is sent to it until the user compares
    /// the new safety number or accepts the change (``SealpostClient/acceptKeyChange(for:)``).
    case keyChangeNotAccepted(AccountID)
    /// The local store failed.
    case vault(VaultError)
    /// A key, certificate or message from the relay or a peer did not verify or parse.
    case invalidData(String)
    /// A delivery cannot be processed yet (the device's clock disagrees with the relay's, or the
    /// operator's new server key is not known yet): it stays unacknowledged and comes again.
    case deferred(String)
    /// Linking a device did not complete in time (the other device never answered).
    case linkTimedOut
    /// The user said the two devices' short authentication strings differ, or declined the
    /// account offered: nothing was sent or stored.
    case linkRejected
    /// Someone else answered this provisioning code first: it may have been seen. Nothing was
    /// sent; the new device starts again with a new code.
    case linkCodeTaken
    /// The account's device list changed while linking (a device was added or removed), so the
    /// list this device received cannot be registered: discard this vault and link again.
    case linkOutdated
    /// Linking a device failed: a code or channel message was refused
    /// (`Spec/devices.md`, "Provisioning").
    case provisioning(ProvisioningError)
    /// A backup could not be read (`Spec/devices.md`, "Backups").
    case backup(BackupError)

    /// A sentence a person can act on.
    public var description: String {
        switch self {
        case .notRegistered: "this device is not registered yet: run `sealpost register`"
        case .alreadyRegistered: "this vault already holds a registered device"
        case .relay(let status, let code, let message, _): "the relay refused (\(status) \(code)): \(message)"
        case .network(let reason): "cannot reach the relay: \(reason)"
        case .unknownUser(let name): "no user is called \(name)"
        case .untrustedOperator(let reason): "the relay's operator is not the pinned one: \(reason)"
        case .keyChangeNotAccepted(let account):
            "the account key of verified contact \(account) changed: compare the new safety number, then accept the change"
        case .vault(let error): "vault: \(error)"
        case .invalidData(let reason): "invalid data: \(reason)"
        case .deferred(let reason): "not processed yet: \(reason)"
        case .linkTimedOut: "the other device did not answer in time; start linking again"
        case .linkRejected: "linking stopped: nothing was sent or stored"
        case .linkCodeTaken: "someone else answered this code first (it may have been seen): do not use it; start again on the new device"
        case .linkOutdated: "the account's devices changed while linking: delete this vault, make a new one and link again"
        case .provisioning(let error): "linking failed: \(error)"
        case .backup(let error): "backup: \(error)"
        }
    }

    /// The relay's code, for a relay answer.
    public var relayCode: String? {
        if case .relay(_, let code, _, _) = self { return code }
        return nil
    }
}

/// Runs `body`, turning a vault error into ``ClientError/vault(_:)``.
func inVault<T>(_ body: () throws(VaultError) -> T) throws(ClientError) -> T {
    do { return try body() } catch { throw .vault(error) }
}

/// Runs `body`, turning any error into ``ClientError/invalidData(_:)`` (a client error passes).
func checked<T>(_ what: String, _ body: () throws -> T) throws(ClientError) -> T {
    do { return try body() } catch let error as ClientError { throw error } catch { throw .invalidData("\(what): \(error)") }
}

extension String {
    /// The string with control characters (terminal escapes among them) replaced by U+FFFD, for
    /// showing text that came from a peer or the relay.
    public var printable: String {
        String(String.UnicodeScalarView(unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control && scalar != "\n" ? "\u{FFFD}" : scalar
        }))
    }
}
