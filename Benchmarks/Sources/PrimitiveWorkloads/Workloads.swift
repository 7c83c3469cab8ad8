import CSodiumDirect
import Crypto
import Foundation
import SealpostCrypto

/// Every workload, built once with fixed random inputs.
public enum Workloads {
    public static let all: [Workload] = {
        _ = sodium_init()
        return x25519() + ed25519() + aead() + hkdf() + mlkem() + HandshakeWorkloads.all() + RatchetWorkloads.all()
            + EnvelopeWorkloads.all()
    }()

    /// Builds only the group that holds `name`, so that a run measuring one workload (under
    /// callgrind) does not pay for, or vary with, the fixtures of the others.
    public static func named(_ name: String) -> Workload? {
        _ = sodium_init()
        let group: () -> [Workload] =
            if name.hasPrefix("x25519") { x25519 }
            else if name.hasPrefix("ed25519") { ed25519 }
            else if name.contains("chacha20poly1305") { aead }
            else if name.hasPrefix("hkdf") { hkdf }
            else if name.hasPrefix("mlkem") { mlkem }
            else if name.hasPrefix("ratchet") { RatchetWorkloads.all }
            else if name.hasPrefix("envelope") { EnvelopeWorkloads.all }
            else { HandshakeWorkloads.all }
        return group().first { $0.name == name }
    }

    // MARK: X25519

    static func x25519() -> [Workload] {
        let mine = X25519.PrivateKey.generate()
        let peer = X25519.PrivateKey.generate().publicKey
        let scalar = mine.rawRepresentation.withUnsafeBytes { Array($0) }
        let point = peer.rawRepresentation
        return [
            Workload(
                name: "x25519-agree",
                wrapper: { consume(try? mine.sharedSecret(with: peer)) },
                direct: { consume(output(32) { _ = crypto_scalarmult($0, scalar, point) }) })
        ]
    }

    // MARK: Ed25519

    static func ed25519() -> [Workload] {
        // Sealpost signs only in a domain: the direct baseline signs the same bytes,
        // u8(len(label)) ‖ label ‖ message, with one libsodium call.
        let key = Ed25519.PrivateKey.generate()
        let message = [UInt8](repeating: 0x5A, count: 100)
        let domain = SignatureDomain("sealpost/benchmark/v1")
        let signedBytes = domain.signedBytes(for: message)
        let signature = key.signature(for: message, in: domain)
        var expanded = [UInt8](repeating: 0, count: 64)
        var publicKey = [UInt8](repeating: 0, count: 32)
        key.seed.withUnsafeBytes { seed in
            _ = crypto_sign_seed_keypair(&publicKey, &expanded, seed.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        let secretKey = expanded
        let pk = publicKey
        return [
            Workload(
                name: "ed25519-sign-100B",
                wrapper: { consume(key.signature(for: message, in: domain)) },
                direct: { consume(output(64) { _ = crypto_sign_detached($0, nil, signedBytes, UInt64(signedBytes.count), secretKey) }) }),
            Workload(
                name: "ed25519-verify-100B",
                wrapper: { consume(key.publicKey.isValidSignature(signature, for: message, in: domain)) },
                direct: {
                    consume(crypto_sign_verify_detached(signature.rawRepresentation, signedBytes, UInt64(signedBytes.count), pk))
                }),
        ]
    }

    // MARK: AEAD

    static func aead() -> [Workload] {
        let key = AEADKey.generate()
        let rawKey = key.rawRepresentation.withUnsafeBytes { Array($0) }
        let xnonce = XChaCha20Poly1305.Nonce.random()
        let nonce = try! ChaCha20Poly1305.Nonce(rawRepresentation: [UInt8](repeating: 7, count: 12))
        let aad = [UInt8](repeating: 1, count: 32)
        var workloads: [Workload] = []
        for (label, size) in [("100B", 100), ("1KiB", 1024), ("64KiB", 65_536)] {
            let message = [UInt8](repeating: 0x42, count: size)
            let xsealed = XChaCha20Poly1305.seal(message, using: key, nonce: xnonce, authenticating: aad)
            let sealed = ChaCha20Poly1305.seal(message, using: key, nonce: nonce, authenticating: aad)
            let xn = xnonce.rawRepresentation
            let n = nonce.rawRepresentation
            workloads.append(Workload(
                name: "xchacha20poly1305-seal-\(label)",
                wrapper: { consume(XChaCha20Poly1305.seal(message, using: key, nonce: xnonce, authenticating: aad)) },
                direct: {
                    consume(output(size + 16) { out in
                        var written: UInt64 = 0
                        _ = crypto_aead_xchacha20poly1305_ietf_encrypt(out, &written, message, UInt64(size), aad, UInt64(aad.count), nil, xn, rawKey)
                    })
                }))
            workloads.append(Workload(
                name: "xchacha20poly1305-open-\(label)",
                wrapper: { consume(try? XChaCha20Poly1305.open(xsealed, using: key, nonce: xnonce, authenticating: aad)) },
                direct: {
                    consume(output(size) { out in
                        var written: UInt64 = 0
                        _ = crypto_aead_xchacha20poly1305_ietf_decrypt(out, &written, nil, xsealed, UInt64(xsealed.count), aad, UInt64(aad.count), xn, rawKey)
                    })
                }))
            workloads.append(Workload(
                name: "chacha20poly1305-seal-\(label)",
                wrapper: { consume(ChaCha20Poly1305.seal(message, using: key, nonce: nonce, authenticating: aad)) },
                direct: {
                    consume(output(size + 16) { out in
                        var written: UInt64 = 0
                        _ = crypto_aead_chacha20poly1305_ietf_encrypt(out, &written, message, UInt64(size), aad, UInt64(aad.count), nil, n, rawKey)
                    })
                }))
            workloads.append(Workload(
                name: "chacha20poly1305-open-\(label)",
                wrapper: { consume(try? ChaCha20Poly1305.open(sealed, using: key, nonce: nonce, authenticating: aad)) },
                direct: {
                    consume(output(size) { out in
                        var written: UInt64 = 0
                        _ = crypto_aead_chacha20poly1305_ietf_decrypt(out, &written, nil, sealed, UInt64(sealed.count), aad, UInt64(aad.count), n, rawKey)
                    })
                }))
        }
        return workloads
    }

    // MARK: HKDF

    static func hkdf() -> [Workload] {
        let ikm = SecretBytes.random(count: 32)
        let rawIKM = ikm.withUnsafeBytes { Array($0) }
        let salt = [UInt8](repeating: 3, count: 32)
        let info = Array("sealpost/benchmark/v1".utf8)
        return [
            Workload(
                name: "hkdf-sha256-64B",
                wrapper: { consume(try? HKDFSHA256.deriveKey(inputKeyMaterial: ikm, salt: salt, info: info, outputByteCount: 64)) },
                direct: {
                    // Extract, then two Expand blocks from one keyed state: the HMAC calls HKDF needs.
                    var prk = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))  // 32 bytes on the stack
                    var state = crypto_auth_hmacsha256_state()
                    var keyed = crypto_auth_hmacsha256_state()
                    withUnsafeMutableBytes(of: &prk) { prkBytes in
                        let p = prkBytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
                        _ = crypto_auth_hmacsha256_init(&state, salt, salt.count)
                        _ = crypto_auth_hmacsha256_update(&state, rawIKM, UInt64(rawIKM.count))
                        _ = crypto_auth_hmacsha256_final(&state, p)
                        _ = crypto_auth_hmacsha256_init(&keyed, p, 32)
                    }
                    consume(output(64) { out in
                        var counter: UInt8 = 1
                        state = keyed
                        _ = crypto_auth_hmacsha256_update(&state, info, UInt64(info.count))
                        _ = crypto_auth_hmacsha256_update(&state, &counter, 1)
                        _ = crypto_auth_hmacsha256_final(&state, out)
                        counter = 2
                        state = keyed
                        _ = crypto_auth_hmacsha256_update(&state, out, 32)
                        _ = crypto_auth_hmacsha256_update(&state, info, UInt64(info.count))
                        _ = crypto_auth_hmacsha256_update(&state, &counter, 1)
                        _ = crypto_auth_hmacsha256_final(&state, out + 32)
                    })
                })
        ]
    }

    // MARK: ML-KEM

    static func mlkem() -> [Workload] {
        let key = SealpostCrypto.MLKEM768.PrivateKey.generate()
        let seed = key.seed.withUnsafeBytes { Data($0) }
        let (_, ciphertext) = key.publicKey.encapsulate()
        let backing = try! Crypto.MLKEM768.PrivateKey(seedRepresentation: seed, publicKey: nil)
        let backingPublic = backing.publicKey
        let publicKey = key.publicKey
        let ciphertextData = Data(ciphertext)
        return [
            Workload(
                name: "mlkem768-encapsulate",
                wrapper: { consume(publicKey.encapsulate()) },
                direct: { consume(try? backingPublic.encapsulate()) }),
            Workload(
                name: "mlkem768-decapsulate",
                wrapper: { consume(try? key.decapsulate(ciphertext)) },
                direct: { consume(try? backing.decapsulate(ciphertextData)) }),
            Workload(
                name: "mlkem768-decapsulate-from-seed",
                wrapper: { consume(try? key.decapsulate(ciphertext)) },
                direct: { consume(try? Crypto.MLKEM768.PrivateKey(seedRepresentation: seed, publicKey: nil).decapsulate(ciphertextData)) }),
        ]
    }
}

/// An array of `count` bytes written by a C call, without zero-filling it first: the same
/// allocation a caller of the C API makes for its output.
@inline(__always)
func output(_ count: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Void) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        write(buffer.baseAddress!)
        initialized = count
    }
}
