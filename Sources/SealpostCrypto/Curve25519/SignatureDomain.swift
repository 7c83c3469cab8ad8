/// The purpose a signature is made for, bound into every Sealpost signature.
///
/// Sealpost never signs a bare message: it signs `u8(len(label)) ‖ label ‖ message`, where the
/// label is a versioned ASCII string naming the purpose (for example
/// `sealpost/device-certificate/v1`). A signature made for one purpose therefore never verifies
/// for another, even if the two messages happen to be the same bytes (`Spec/primitives.md`,
/// "Domain-separated signatures").
public struct SignatureDomain: Sendable, Hashable, CustomStringConvertible {
    /// The label bytes (printable ASCII, 1 to 255 bytes).
    public let label: String
    /// `u8(len(label)) ‖ label`, prepended to every message signed in this domain.
    let prefix: [UInt8]

    /// Creates a domain from a label fixed at compile time.
    ///
    /// - Precondition: the label is 1 to 255 bytes of printable ASCII (0x21 to 0x7E). Labels are
    ///   constants in the source, so a bad one is a programming error caught by the first test.
    public init(_ label: StaticString) {
        let bytes = label.withUTF8Buffer { Array($0) }
        precondition(Self.isValidLabel(bytes), "signature domain label must be 1...255 bytes of printable ASCII")
        self.label = String(decoding: bytes, as: UTF8.self)
        self.prefix = [UInt8(bytes.count)] + bytes
    }

    /// Creates a domain from a label read at run time (a vector file, say).
    /// - Throws: ``CryptoError/Code/invalidParameters`` unless the label is 1 to 255 bytes of
    ///   printable ASCII.
    public init(validating label: String) throws {
        let bytes = Array(label.utf8)
        guard Self.isValidLabel(bytes) else {
            throw CryptoError(.invalidParameters, subject: "signature domain label", detail: "must be 1 to 255 bytes of printable ASCII")
        }
        self.label = label
        self.prefix = [UInt8(bytes.count)] + bytes
    }

    private static func isValidLabel(_ bytes: [UInt8]) -> Bool {
        (1...255).contains(bytes.count) && bytes.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// The exact bytes that are signed for `message` in this domain.
    public func signedBytes(for message: [UInt8]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(prefix.count + message.count)
        bytes.append(contentsOf: prefix)
        bytes.append(contentsOf: message)
        return bytes
    }

    /// The label.
    public var description: String { label }
}
