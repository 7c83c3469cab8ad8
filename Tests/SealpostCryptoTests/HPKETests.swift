import Crypto
import Foundation
import Testing
@testable import SealpostCrypto

// swift-crypto is imported for the differential test: name Sealpost's clashing types fully.
private typealias SealpostHPKE = SealpostCrypto.HPKE
private typealias SealpostError = SealpostCrypto.CryptoError

/// HPKE base mode against RFC 9180's vectors (read in place from `../shared/hpke`, or the folder in
/// `SEALPOST_HPKE_DIR`; set but missing fails, unset and absent skips) and against swift-crypto.
@Suite("HPKE (RFC 9180, base mode)")
struct HPKETests {
    static let fileName = "rfc9180-x25519-sha256-chacha20poly1305.json"

    enum Location { case file(URL), missing(String), absent }

    static let location: Location = {
        if let configured = ProcessInfo.processInfo.environment["SEALPOST_HPKE_DIR"] {
            let url = URL(fileURLWithPath: configured).appendingPathComponent(fileName)
            return FileManager.default.fileExists(atPath: url.path) ? .file(url) : .missing("SEALPOST_HPKE_DIR=\(configured) has no \(fileName)")
        }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/hpke").appendingPathComponent(fileName)
        return FileManager.default.fileExists(atPath: url.path) ? .file(url) : .absent
    }()

    static var isAbsent: Bool {
        if case .absent = location {
            print("⚠️  SKIPPING RFC 9180 VECTORS: no SEALPOST_HPKE_DIR and no ../shared/hpke")
            return true
        }
        return false
    }

    static func hex(_ object: [String: Any], _ key: String) throws -> [UInt8] {
        try Hex.decode(object[key] as? String ?? "")
    }

    @Test(.disabled(if: isAbsent, "RFC 9180 vectors not found")) func rfc9180BaseModeVectors() throws {
        let url: URL
        switch Self.location {
        case .file(let file): url = file
        case .missing(let reason): Issue.record(Comment(rawValue: reason)); return
        case .absent: return
        }
        let all = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]] ?? []
        let base = try #require(all.first { ($0["mode"] as? Int) == 0 })
        let info = try Self.hex(base, "info")
        // Key derivation from the recorded ikm values.
        let recipient = try SealpostHPKE.deriveKeyPair(inputKeyMaterial: SecretBytes(copying: try Self.hex(base, "ikmR")))
        let ephemeral = try SealpostHPKE.deriveKeyPair(inputKeyMaterial: SecretBytes(copying: try Self.hex(base, "ikmE")))
        #expect(recipient.rawRepresentation.constantTimeEquals(try Self.hex(base, "skRm")))
        #expect(recipient.publicKey.rawRepresentation == (try Self.hex(base, "pkRm")))
        #expect(ephemeral.publicKey.rawRepresentation == (try Self.hex(base, "pkEm")))
        // Sender and recipient, every intermediate value.
        var sender = try SealpostHPKE.Sender(recipientKey: recipient.publicKey, info: info, ephemeral: ephemeral)
        #expect(sender.encapsulatedKey == (try Self.hex(base, "enc")))
        #expect(sender.schedule.context == (try Self.hex(base, "key_schedule_context")))
        #expect(sender.schedule.key.rawRepresentation.constantTimeEquals(try Self.hex(base, "key")))
        #expect(sender.schedule.baseNonce == (try Self.hex(base, "base_nonce")))
        #expect(try sender.schedule.exporterSecret().constantTimeEquals(try Self.hex(base, "exporter_secret")))
        var opener = try SealpostHPKE.Recipient(privateKey: recipient, encapsulatedKey: sender.encapsulatedKey, info: info)
        let encryptions = base["encryptions"] as? [[String: Any]] ?? []
        #expect(encryptions.count == 257)
        for (sequence, encryption) in encryptions.enumerated() {
            let aad = try Self.hex(encryption, "aad")
            let plaintext = try Self.hex(encryption, "pt")
            #expect(sender.schedule.nonce(UInt64(sequence)).rawRepresentation == (try Self.hex(encryption, "nonce")))
            let sealed = try sender.seal(plaintext, authenticating: aad)
            #expect(sealed == (try Self.hex(encryption, "ct")), "sequence \(sequence)")
            #expect(try opener.open(sealed, authenticating: aad) == plaintext)
        }
        for export in base["exports"] as? [[String: Any]] ?? [] {
            let value = try sender.export(context: try Self.hex(export, "exporter_context"), outputByteCount: export["L"] as? Int ?? 0)
            #expect(value.constantTimeEquals(try Self.hex(export, "exported_value")))
        }
    }

    /// Sealpost and swift-crypto interoperate both ways for the same suite.
    @Test func differentialAgainstSwiftCrypto() throws {
        let info = Array("sealpost/hpke-differential/v1".utf8)
        // Sealpost seals, swift-crypto opens.
        let theirKey = Curve25519.KeyAgreement.PrivateKey()
        var sender = try SealpostHPKE.Sender(recipientKey: try X25519.PublicKey(rawRepresentation: Array(theirKey.publicKey.rawRepresentation)), info: info)
        var theirRecipient = try Crypto.HPKE.Recipient(
            privateKey: theirKey, ciphersuite: .Curve25519_SHA256_ChachaPoly, info: Data(info), encapsulatedKey: Data(sender.encapsulatedKey))
        for index in 0..<5 {
            let message = Array("message \(index)".utf8)
            let sealed = try sender.seal(message, authenticating: [UInt8(index)])
            #expect(Array(try theirRecipient.open(Data(sealed), authenticating: Data([UInt8(index)]))) == message)
        }
        // swift-crypto seals, Sealpost opens.
        let ours = X25519.PrivateKey.generate()
        var theirSender = try Crypto.HPKE.Sender(
            recipientKey: try Curve25519.KeyAgreement.PublicKey(rawRepresentation: ours.publicKey.rawRepresentation),
            ciphersuite: .Curve25519_SHA256_ChachaPoly, info: Data(info))
        var recipient = try SealpostHPKE.Recipient(privateKey: ours, encapsulatedKey: Array(theirSender.encapsulatedKey), info: info)
        for index in 0..<5 {
            let sealed = try theirSender.seal(Data("reply \(index)".utf8), authenticating: Data())
            #expect(try recipient.open(Array(sealed)) == Array("reply \(index)".utf8))
        }
        let mine = try sender.export(context: [1], outputByteCount: 32)
        let theirs = try theirRecipient.exportSecret(context: Data([1]), outputByteCount: 32)
        #expect(mine.constantTimeEquals(theirs.withUnsafeBytes { Array($0) }))
    }

    @Test func failuresAreTyped() throws {
        let recipient = X25519.PrivateKey.generate()
        var sender = try SealpostHPKE.Sender(recipientKey: recipient.publicKey, info: [])
        let sealed = try sender.seal([1, 2, 3])
        var wrongInfo = try SealpostHPKE.Recipient(privateKey: recipient, encapsulatedKey: sender.encapsulatedKey, info: [9])
        #expect(throws: SealpostError.authenticationFailed) { try wrongInfo.open(sealed) }
        var right = try SealpostHPKE.Recipient(privateKey: recipient, encapsulatedKey: sender.encapsulatedKey, info: [])
        #expect(throws: SealpostError.authenticationFailed) { try right.open(sealed, authenticating: [1]) }
        #expect(try right.open(sealed) == [1, 2, 3])
        #expect(throws: SealpostError.authenticationFailed) { try right.open(sealed) }  // the sequence moved on
        let short = #expect(throws: SealpostError.self) { try SealpostHPKE.Recipient(privateKey: recipient, encapsulatedKey: [1, 2], info: []) }
        #expect(short?.code == .invalidLength)
        let lowOrder = #expect(throws: SealpostError.self) {
            try SealpostHPKE.Sender(recipientKey: X25519.PublicKey(rawRepresentation: [UInt8](repeating: 0, count: 32)), info: [])
        }
        #expect(lowOrder?.code == .lowOrderPoint)
    }
}
