import SealpostCrypto

/// The checkers for the group types of `Vectors/primitives/` (`Spec/vectors.md` lists each
/// type's fields).
enum PrimitiveChecks {
    /// The checker for a group type, or nil if the type is not a primitive one.
    static func checker(for type: String) -> ((VectorGroup, VectorTest) -> CheckOutcome)? {
        switch type {
        case "x25519-base": x25519Base
        case "x25519": x25519
        case "x25519-iterated": x25519Iterated
        case "ed25519-sign": ed25519Sign
        case "ed25519-verify": ed25519Verify
        case "aead": aead
        case "hkdf-sha256": hkdf
        case "hmac-sha256": hmac
        case "sha256": sha256
        case "sha512": sha512
        case "mlkem-decaps": mlkemDecapsulation
        case "argon2id": argon2id
        default: nil
        }
    }

    static func x25519Base(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let key = try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: try test.fields.hex("private")))
            try expectEqual(key.publicKey.rawRepresentation, try test.fields.hex("public"), "public")
        }
    }

    static func x25519(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let key = try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: try test.fields.hex("private")))
            let peer = try X25519.PublicKey(rawRepresentation: try test.fields.hex("public"))
            let shared = try key.sharedSecret(with: peer)
            try expectEqual(shared.secretBytes, try test.fields.hex("shared"), "shared")
        }
    }

    static func x25519Iterated(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let iterations = try test.fields.int("iterations")
            guard (1...100_000).contains(iterations) else { throw CheckFailure("iterations must be 1 to 100000") }
            // RFC 7748 §5.2: k = u = 9; each round r = X25519(k, u), u = k, k = r.
            var k = SecretBytes(copying: [9] + [UInt8](repeating: 0, count: 31))
            var u = [9] + [UInt8](repeating: 0, count: 31)
            for _ in 0..<iterations {
                let result = try X25519.PrivateKey(rawRepresentation: k).sharedSecret(with: X25519.PublicKey(rawRepresentation: u))
                u = k.withUnsafeBytes { Array($0) }
                k = result.secretBytes
            }
            try expectEqual(k, try test.fields.hex("output"), "output")
        }
    }

    static func ed25519Sign(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let key = try Ed25519.PrivateKey(seed: SecretBytes(copying: try test.fields.hex("seed")))
            let message = try test.fields.hex("message")
            try expectEqual(key.publicKey.rawRepresentation, try test.fields.hex("public"), "public")
            let signature = key.rawSignature(for: message)
            try expectEqual(signature.rawRepresentation, try test.fields.hex("signature"), "signature")
            guard key.publicKey.isValidRawSignature(signature, for: message) else {
                throw CheckFailure("the signature it produced does not verify")
            }
        }
    }

    static func ed25519Verify(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let key = try Ed25519.PublicKey(rawRepresentation: try test.fields.hex("public"))
            let signature = try Ed25519.Signature(rawRepresentation: try test.fields.hex("signature"))
            guard key.isValidRawSignature(signature, for: try test.fields.hex("message")) else {
                throw CryptoError.authenticationFailed
            }
        }
    }

    static func aead(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let algorithm = try group.fields.string("algorithm")
            let key = try AEADKey(SecretBytes(copying: try test.fields.hex("key")))
            let nonce = try test.fields.hex("nonce")
            let aad = try test.fields.hex("aad")
            let sealed = try test.fields.hex("ciphertext") + test.fields.hex("tag")
            let seal: ([UInt8]) throws -> [UInt8]
            let open: () throws -> [UInt8]
            switch algorithm {
            case "ChaCha20-Poly1305":
                let n = try ChaCha20Poly1305.Nonce(rawRepresentation: nonce)
                seal = { ChaCha20Poly1305.seal($0, using: key, nonce: n, authenticating: aad) }
                open = { try ChaCha20Poly1305.open(sealed, using: key, nonce: n, authenticating: aad) }
            case "XChaCha20-Poly1305":
                let n = try XChaCha20Poly1305.Nonce(rawRepresentation: nonce)
                seal = { XChaCha20Poly1305.seal($0, using: key, nonce: n, authenticating: aad) }
                open = { try XChaCha20Poly1305.open(sealed, using: key, nonce: n, authenticating: aad) }
            default:
                throw CheckFailure("unknown AEAD algorithm \(algorithm)")
            }
            let opened = try open()
            if test.result == .valid {
                let plaintext = try test.fields.hex("plaintext")
                try expectEqual(opened, plaintext, "decrypted plaintext")
                try expectEqual(try seal(plaintext), sealed, "ciphertext ‖ tag")
            }
        }
    }

    static func hkdf(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let ikm = SecretBytes(copying: try test.fields.hex("ikm"))
            let salt = try test.fields.hex("salt")
            if let prk = try test.fields.optionalHex("prk") {
                try expectEqual(HKDFSHA256.extract(salt: salt, inputKeyMaterial: ikm), prk, "prk")
            }
            let okm = try HKDFSHA256.deriveKey(
                inputKeyMaterial: ikm, salt: salt, info: try test.fields.hex("info"), outputByteCount: try test.fields.int("length"))
            try expectEqual(okm, try test.fields.hex("okm"), "okm")
        }
    }

    static func hmac(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let key = SecretBytes(copying: try test.fields.hex("key"))
            let message = try test.fields.hex("message")
            let tag = try test.fields.hex("tag")
            guard HMACSHA256.isValidAuthenticationCode(tag, for: message, using: key) else { throw CryptoError.authenticationFailed }
            let full = HMACSHA256.authenticationCode(for: message, using: key)
            try expectEqual(full.prefix(tag.count), tag, "tag")
        }
    }

    static func sha256(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            try expectEqual(SHA256.hash(try test.fields.hex("message")), try test.fields.hex("digest"), "digest")
        }
    }

    static func sha512(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            try expectEqual(SHA512.hash(try test.fields.hex("message")), try test.fields.hex("digest"), "digest")
        }
    }

    static func mlkemDecapsulation(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let name = try group.fields.string("parameterSet")
            guard let set = MLKEMParameterSet(rawValue: name) else { throw CheckFailure("unknown parameter set \(name)") }
            try checkDecapsulation(
                set, seed: try test.fields.hex("seed"), ciphertext: try test.fields.hex("ciphertext"),
                publicKey: try test.fields.optionalHex("public"), sharedSecret: try test.fields.hex("sharedSecret"))
        }
    }

    static func argon2id(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let parameters = try Argon2id.Parameters(
                iterations: try test.fields.int("opsLimit"), memoryBytes: try test.fields.int("memLimitBytes"))
            let output = try Argon2id.deriveKey(
                password: SecretBytes(copying: try test.fields.hex("password")), salt: try test.fields.hex("salt"),
                parameters: parameters, outputByteCount: try test.fields.int("length"))
            try expectEqual(output, try test.fields.hex("output"), "output")
        }
    }
}

/// Expands `seed`, checks the encapsulation key when one is given, and checks that decapsulating
/// `ciphertext` gives `sharedSecret`. Shared by the committed vectors and the Wycheproof runner.
func checkDecapsulation(_ set: MLKEMParameterSet, seed: [UInt8], ciphertext: [UInt8], publicKey expected: [UInt8]?, sharedSecret: [UInt8]) throws {
    let secretSeed = SecretBytes(copying: seed)
    let (publicKey, shared): ([UInt8], SharedSecret)
    switch set {
    case .mlkem768:
        let key = try MLKEM768.PrivateKey(seed: secretSeed)
        (publicKey, shared) = (key.publicKey.rawRepresentation, try key.decapsulate(ciphertext))
    case .mlkem1024:
        let key = try MLKEM1024.PrivateKey(seed: secretSeed)
        (publicKey, shared) = (key.publicKey.rawRepresentation, try key.decapsulate(ciphertext))
    }
    if let expected {
        try expectEqual(publicKey, expected, "public key")
    }
    try expectEqual(shared.secretBytes, sharedSecret, "shared secret")
}
