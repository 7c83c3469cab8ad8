internal import Crypto
internal import Foundation

/// swift-crypto calls for ML-KEM: the only file that imports `Crypto`.
///
/// The seed is handed to swift-crypto as a short-lived `Data`, which is wiped after use; the
/// expanded key inside BoringSSL is freed by swift-crypto without wiping, which Sealpost cannot
/// change (documented in `Spec/primitives.md`).
enum MLKEMBackend {
    /// The encapsulation key of a seed, encoded and parsed.
    static func publicKey(seed: SecretBytes, _ set: MLKEMParameterSet) -> ([UInt8], ParsedPublicKey) {
        withSeedData(seed) { data in
            // A 64-byte seed always expands: FIPS 203 key generation cannot fail.
            switch set {
            case .mlkem768:
                guard let key = try? Crypto.MLKEM768.PrivateKey(seedRepresentation: data, publicKey: nil) else {
                    preconditionFailure("ML-KEM-768 key expansion failed for a 64-byte seed")
                }
                return ([UInt8](key.publicKey.rawRepresentation), .mlkem768(key.publicKey))
            case .mlkem1024:
                guard let key = try? Crypto.MLKEM1024.PrivateKey(seedRepresentation: data, publicKey: nil) else {
                    preconditionFailure("ML-KEM-1024 key expansion failed for a 64-byte seed")
                }
                return ([UInt8](key.publicKey.rawRepresentation), .mlkem1024(key.publicKey))
            }
        }
    }

    /// A parsed encapsulation key, kept so that encapsulation does not parse (and expand the
    /// matrix of) the key again on every call.
    enum ParsedPublicKey: Sendable {
        case mlkem768(Crypto.MLKEM768.PublicKey)
        case mlkem1024(Crypto.MLKEM1024.PublicKey)
    }

    /// Parses an encapsulation key of the right length; fails if FIPS 203's modulus check fails.
    static func parsePublicKey(_ raw: [UInt8], _ set: MLKEMParameterSet) throws -> ParsedPublicKey {
        do {
            switch set {
            case .mlkem768: return .mlkem768(try Crypto.MLKEM768.PublicKey(rawRepresentation: raw))
            case .mlkem1024: return .mlkem1024(try Crypto.MLKEM1024.PublicKey(rawRepresentation: raw))
            }
        } catch {
            throw CryptoError(.invalidPublicKey, subject: "\(set.rawValue) public key")
        }
    }

    static func encapsulate(_ key: ParsedPublicKey) -> (SecretBytes, [UInt8]) {
        // swift-crypto's encapsulate throws only if its random generator fails, which BoringSSL
        // treats as fatal itself; a parsed key cannot make it fail.
        let result: KEM.EncapsulationResult
        do {
            switch key {
            case .mlkem768(let key): result = try key.encapsulate()
            case .mlkem1024(let key): result = try key.encapsulate()
            }
        } catch {
            preconditionFailure("ML-KEM encapsulation failed for a parsed public key: \(error)")
        }
        let secret = result.sharedSecret.withUnsafeBytes { SecretBytes(copying: $0) }
        return (secret, [UInt8](result.encapsulated))
    }

    static func decapsulate(seed: SecretBytes, _ ciphertext: [UInt8], _ set: MLKEMParameterSet) -> SecretBytes {
        withSeedData(seed) { data in
            // The seed and ciphertext lengths are checked by the caller; with them right, neither
            // expansion nor decapsulation can fail (implicit rejection returns a secret).
            do {
                let shared: Crypto.SymmetricKey
                switch set {
                case .mlkem768:
                    shared = try Crypto.MLKEM768.PrivateKey(seedRepresentation: data, publicKey: nil).decapsulate(ciphertext)
                case .mlkem1024:
                    shared = try Crypto.MLKEM1024.PrivateKey(seedRepresentation: data, publicKey: nil).decapsulate(ciphertext)
                }
                return shared.withUnsafeBytes { SecretBytes(copying: $0) }
            } catch {
                preconditionFailure("ML-KEM decapsulation failed for checked lengths: \(error)")
            }
        }
    }

    /// Lends the seed to swift-crypto as a `Data` that is wiped afterwards.
    private static func withSeedData<R>(_ seed: SecretBytes, _ body: (Data) -> R) -> R {
        var data = seed.withUnsafeBytes { Data($0) }
        defer { data.withUnsafeMutableBytes { wipe($0) } }
        return body(data)
    }
}
