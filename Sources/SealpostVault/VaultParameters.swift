import SealpostCrypto

/// The Argon2id costs that turn a passphrase into the vault's master key (`Spec/vault.md`, "Key
/// hierarchy"). Named sets only: ``phone`` for every real vault; ``fastTest`` for test suites,
/// reachable only through `@_spi(Testing)` and recorded in the header like any other set.
public struct VaultParameters: Sendable, Hashable, CustomStringConvertible {
    /// The Argon2id parameters.
    public let argon2: Argon2id.Parameters

    /// The most memory a vault may ask for: a file cannot make a device allocate more.
    public static let maximumMemoryBytes = 1 << 30
    /// The most passes a vault may ask for.
    public static let maximumIterations = 16

    /// RFC 9106's second recommended option, with one lane: t = 3, m = 64 MiB. Sized for a phone
    /// (`Spec/vault.md` gives the time measured here).
    public static let phone = VaultParameters(argon2: Argon2id.Parameters(validatedIterations: 3, memoryBytes: 64 << 20))

    /// t = 1, m = 8 KiB: for tests only, so suites do not spend minutes in Argon2id.
    @_spi(Testing) public static let fastTest = VaultParameters(argon2: Argon2id.Parameters(validatedIterations: 1, memoryBytes: 8 << 10))

    package init(argon2: Argon2id.Parameters) {
        self.argon2 = argon2
    }

    /// `Argon2id(t, m)`.
    public var description: String { argon2.description }
}
