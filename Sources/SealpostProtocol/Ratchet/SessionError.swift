import SealpostWire

/// Why a session message was refused (`Spec/ratchet.md`, "Errors"). A refused message changes no
/// state: every operation returns a new state only on success.
public enum SessionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes do not parse.
    case malformed(WireError)
    /// The AEAD tag did not verify: a tampered header or ciphertext, the wrong associated data, a
    /// message for another session. Deliberately says no more.
    case authenticationFailed
    /// The message's key was already used (a replay or a duplicate), or was evicted.
    case duplicate
    /// The message jumps further ahead in its chain than ``Limits/maximumForwardJump``.
    case tooFarAhead(jump: Int)
    /// The message belongs to a receiving chain this session no longer keeps.
    case expiredChain
    /// No session state can decrypt it, and it carries no handshake to start one.
    case noSession
    /// A chain reached 2^32 messages: its message numbers would repeat. Start a new session.
    case chainExhausted
    /// The handshake carried by an initial message was refused.
    case handshake(HandshakeError)
    /// Starting a session from this initial message needs the initiator account's signed device
    /// list: fetch it from the directory and receive the message again.
    case deviceListNeeded(AccountID)

    /// The machine-readable code, as vector files name it.
    public var code: String {
        switch self {
        case .malformed(let error): error.code
        case .authenticationFailed: "authenticationFailed"
        case .duplicate: "duplicate"
        case .tooFarAhead: "tooFarAhead"
        case .expiredChain: "expiredChain"
        case .noSession: "noSession"
        case .chainExhausted: "chainExhausted"
        case .handshake(let error): error.code
        case .deviceListNeeded: "deviceListNeeded"
        }
    }

    /// A sentence a person can act on.
    public var description: String {
        switch self {
        case .malformed(let error): "malformed: \(error)"
        case .authenticationFailed: "authentication failed"
        case .duplicate: "message already received (duplicate or replay)"
        case .tooFarAhead(let jump): "message is \(jump) ahead in its chain, more than \(Limits.maximumForwardJump) allowed"
        case .expiredChain: "message belongs to a chain this session no longer keeps"
        case .noSession: "no session can decrypt this message"
        case .chainExhausted: "this chain reached 2^32 messages; start a new session"
        case .handshake(let error): "handshake refused: \(error)"
        case .deviceListNeeded(let account): "the device list of account \(account) is needed to start this session"
        }
    }
}
