import Testing
@testable import SealpostProtocol
import SealpostCrypto
import SealpostWire

@Suite("Recovery keys")
struct RecoveryKeyTests {
    /// RFC 4648 base32 without padding (the test's own encoder).
    func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = "", buffer: UInt32 = 0, bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int((buffer >> UInt32(bits)) & 31)])
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return out
    }

    func text(_ key: RecoveryKey) -> String { key.text.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    @Test func aKeyRoundTripsThroughItsText() throws {
        let key = RecoveryKey(accountID: .random(), accountKey: .generate())
        let written = text(key)
        #expect(written.count == 85 + 16 && written.split(separator: "-").allSatisfy { $0.count == 5 })
        let read = try RecoveryKey(text: key.text)
        #expect(read.accountID == key.accountID && read.accountKey.publicKey == key.accountKey.publicKey)
        // Lower case, spaces and line breaks are fine.
        let relaxed = written.lowercased().replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "  ", with: "\n")
        #expect(try RecoveryKey(text: SecretBytes(copying: Array(relaxed.utf8))).accountKey.publicKey == key.accountKey.publicKey)
        #expect(!"\(key)".contains(written.prefix(10)) && !String(reflecting: key).contains(written.prefix(10)))
    }

    @Test func malformedKeysAreRefusedWithTheirReason() throws {
        let key = RecoveryKey(accountID: .random(), accountKey: .generate())
        let written = Array(text(key).utf8)
        func refuse(_ bytes: [UInt8]) -> RecoveryKeyError? {
            do { _ = try RecoveryKey(text: SecretBytes(copying: bytes)); return nil } catch { return error }
        }
        #expect(refuse(written.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "-") : $0 } + Array("!".utf8)) == .invalidCharacter)
        #expect(refuse(Array(written.dropLast())) == .wrongLength)
        #expect(refuse(written + Array("A".utf8)) == .wrongLength)
        // One character changed: the checksum catches the typo.
        var typo = written
        typo[0] = typo[0] == UInt8(ascii: "B") ? UInt8(ascii: "C") : UInt8(ascii: "B")
        #expect(refuse(typo) != nil)
        var lastTypo = written
        let index = lastTypo.count - 2
        lastTypo[index] = lastTypo[index] == UInt8(ascii: "A") ? UInt8(ascii: "C") : UInt8(ascii: "A")
        #expect(refuse(lastTypo) == .checksumMismatch)
        // The last character's padding bit set: not the text of any key.
        var padded = written
        let last = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8).firstIndex(of: padded[padded.count - 1])!
        padded[padded.count - 1] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)[last | 1]
        #expect(refuse(padded) == .nonCanonical)
        // Another version, with a correct checksum.
        var bytes: [UInt8] = [2] + key.accountID.rawRepresentation
        key.accountKey.seed.withUnsafeBytes { bytes.append(contentsOf: $0) }
        bytes += RecoveryKey.checksum(bytes)
        #expect(refuse(Array(base32(bytes).utf8)) == .unsupportedVersion)
    }
}
