/// Why a vault operation failed (`Spec/vault.md`, "Errors").
///
/// A wrong passphrase and a tampered header are one case, ``authenticationFailed``: the key wrap's
/// tag is the only check of both, and it does not say which. Structural problems found before
/// any key is derived have their own cases; no case carries a secret or a bound value.
public enum VaultError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file is not a Sealpost vault (not SQLite, or no vault header in it).
    case notAVault
    /// The header does not parse: truncated, an unknown version, trailing bytes.
    case malformedHeader(String)
    /// The header asks for key-derivation costs outside what any vault may demand.
    case unsupportedParameters(String)
    /// The passphrase is wrong, or the header was altered. Deliberately says no more.
    case authenticationFailed
    /// A protected record decrypted, but is an older version than the manifest expects: a row
    /// was put back from an earlier copy of the file.
    case staleRecord(String)
    /// The manifest expects a protected record that is not there.
    case recordMissing(String)
    /// A file already exists where a new vault was to be created.
    case alreadyExists
    /// The vault is open elsewhere (another process, or another `Vault` in this one).
    case inUse
    /// SQLite failed (a full disk, a locked file); nothing was changed.
    case storage(String)

    /// The machine-readable code, as vector files name it.
    public var code: String {
        switch self {
        case .notAVault: "notAVault"
        case .malformedHeader: "malformedHeader"
        case .unsupportedParameters: "unsupportedParameters"
        case .authenticationFailed: "authenticationFailed"
        case .staleRecord: "staleRecord"
        case .recordMissing: "recordMissing"
        case .alreadyExists: "alreadyExists"
        case .inUse: "inUse"
        case .storage: "storage"
        }
    }

    /// A sentence a person can act on.
    public var description: String {
        switch self {
        case .notAVault: "not a Sealpost vault"
        case .malformedHeader(let reason): "the vault header is malformed: \(reason)"
        case .unsupportedParameters(let reason): "the vault asks for unsupported key-derivation costs: \(reason)"
        case .authenticationFailed: "wrong passphrase, or the vault header was altered"
        case .staleRecord(let table): "a \(table) record was put back from an older copy of the vault"
        case .recordMissing(let table): "a \(table) record is missing from the vault"
        case .alreadyExists: "a file already exists there"
        case .inUse: "the vault is open in another process (or another window of this one)"
        case .storage(let reason): "storage failure: \(reason)"
        }
    }
}
