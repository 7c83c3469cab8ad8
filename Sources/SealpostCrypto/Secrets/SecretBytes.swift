/// Secret bytes: keys, seeds, shared secrets, passwords.
///
/// `SecretBytes` is the one container Sealpost uses for secret material. Its guarantees:
/// - the bytes are wiped with `sodium_memzero` when the last copy of the value goes away;
/// - `description`, `debugDescription`, `dump` and string interpolation show only the length,
///   never the bytes (`SecretBytes(32 bytes, redacted)`);
/// - it is deliberately **not** `Equatable`, `Hashable`, `Codable` or a `Collection`: comparison
///   goes through ``constantTimeEquals(_:)``, and the bytes leave only through
///   ``withUnsafeBytes(_:)``, which a caller uses to feed another primitive.
///
/// Values are immutable and share storage on copy, so passing one around costs no allocation.
/// The storage is written once, while it is created, and only read afterwards: that is why the
/// type is `@unchecked Sendable`.
public struct SecretBytes: @unchecked Sendable {
    let storage: SecretStorage

    init(storage: SecretStorage) {
        self.storage = storage
    }

    /// Creates a secret of `count` bytes written by `initializer`.
    ///
    /// - Parameters:
    ///   - count: The number of bytes.
    ///   - initializer: Writes every byte of the buffer it is given. The buffer starts zeroed, and
    ///     is wiped again if the closure throws.
    /// - Throws: Whatever `initializer` throws.
    public init(
        count: Int,
        initializingWith initializer: (UnsafeMutableRawBufferPointer) throws -> Void
    ) rethrows {
        self.storage = try SecretStorage.make(count: count, initializer: initializer)
    }

    /// Copies secret bytes out of an array.
    ///
    /// The array itself is not wiped (Swift may hold other copies of it); prefer creating secrets
    /// directly from a primitive or from ``random(count:)``. Use this for test vectors and for
    /// bytes decrypted from storage.
    public init(copying bytes: [UInt8]) {
        self.storage = SecretStorage.make(count: bytes.count) { destination in
            bytes.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
    }

    /// Moves secret bytes out of an array, wiping the array's buffer afterwards (`sodium_memzero`).
    ///
    /// Use it for secrets that had to pass through an array, such as fields parsed from a
    /// decrypted record; copies Swift made of the array earlier are out of reach.
    public init(wiping bytes: inout [UInt8]) {
        self.init(copying: bytes)
        wipe(&bytes)
    }

    /// Copies secret bytes out of a raw buffer.
    public init(copying bytes: UnsafeRawBufferPointer) {
        self.storage = SecretStorage.make(count: bytes.count) { destination in
            destination.copyMemory(from: bytes)
        }
    }

    /// Concatenates several secrets into one, in order, without any intermediate public copy.
    public init(concatenating parts: [SecretBytes]) {
        let total = parts.reduce(0) { $0 + $1.count }
        self.storage = SecretStorage.make(count: total) { destination in
            var offset = 0
            for part in parts {
                part.storage.withBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: destination[offset..<(offset + source.count)])
                        .copyMemory(from: source)
                }
                offset += part.count
            }
        }
    }

    /// Creates `count` bytes from the system's secure random generator (libsodium).
    public static func random(count: Int) -> SecretBytes {
        SecretBytes(count: count) { SecureRandom.fill($0) }
    }

    /// The number of bytes. The length of a secret is not itself secret.
    public var count: Int { storage.count }

    /// Calls `body` with the secret bytes.
    ///
    /// The buffer is valid only inside `body`; do not copy the bytes into long-lived storage that
    /// is not itself a `SecretBytes`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withBytes(body)
    }

    /// Whether two secrets hold the same bytes, compared in constant time (`sodium_memcmp`).
    ///
    /// Secrets of different lengths are unequal; the comparison time depends only on the length.
    public func constantTimeEquals(_ other: SecretBytes) -> Bool {
        storage.constantTimeEquals(other.storage)
    }

    /// Whether the secret equals `bytes`, compared in constant time (`sodium_memcmp`).
    public func constantTimeEquals(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { storage.constantTimeEquals($0) }
    }

    /// A new secret holding the first `length` bytes of this one.
    ///
    /// - Precondition: `0 <= length <= count`.
    public func prefix(_ length: Int) -> SecretBytes {
        slice(0..<length)
    }

    /// A new secret holding the bytes in `range`.
    ///
    /// - Precondition: `range` lies within `0..<count`.
    public func slice(_ range: Range<Int>) -> SecretBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of the secret's bounds")
        return SecretBytes(count: range.count) { destination in
            storage.withBytes { destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[range])) }
        }
    }
}

extension SecretBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `SecretBytes(N bytes, redacted)`: the length only.
    public var description: String { "SecretBytes(\(count) bytes, redacted)" }
    /// Same as ``description``: never the bytes.
    public var debugDescription: String { description }
    /// A mirror with no children, so `dump` and debuggers show no bytes.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
