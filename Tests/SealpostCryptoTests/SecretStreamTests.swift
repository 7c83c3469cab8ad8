import Testing
import SealpostCrypto

@Suite("crypto_secretstream")
struct SecretStreamTests {
    func stream(_ messages: [String], key: AEADKey, ad: [UInt8] = [9]) -> (header: [UInt8], sealed: [[UInt8]]) {
        let encryptor = SecretStream.Encryptor(key: key)
        let sealed = messages.enumerated().map { index, text in
            encryptor.push(SecretBytes(copying: Array(text.utf8)), authenticating: ad, tag: index == messages.count - 1 ? .final : .message)
        }
        return (encryptor.header, sealed)
    }

    func texts(_ sealed: [[UInt8]], header: [UInt8], key: AEADKey, ad: [UInt8] = [9]) throws -> [(String, SecretStream.Tag)] {
        let decryptor = try SecretStream.Decryptor(key: key, header: header)
        return try sealed.map { message in
            let (plain, tag) = try decryptor.pull(message, authenticating: ad)
            return (plain.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }, tag)
        }
    }

    @Test func messagesComeBackInOrderWithTheirTags() throws {
        let key = AEADKey.generate()
        let (header, sealed) = stream(["one", "", "three"], key: key)
        #expect(header.count == SecretStream.headerByteCount)
        #expect(sealed.map(\.count) == [3, 0, 5].map { $0 + SecretStream.overheadByteCount })
        let opened = try texts(sealed, header: header, key: key)
        #expect(opened.map(\.0) == ["one", "", "three"])
        #expect(opened.map(\.1) == [.message, .message, .final])
    }

    @Test func reorderedDroppedRepeatedOrChangedMessagesFail() throws {
        let key = AEADKey.generate()
        let (header, sealed) = stream(["a", "b", "c"], key: key)
        for altered in [[sealed[1], sealed[0], sealed[2]], [sealed[0], sealed[2]], [sealed[0], sealed[0], sealed[1]]] {
            #expect(throws: CryptoError.authenticationFailed) { _ = try texts(altered, header: header, key: key) }
        }
        var flipped = sealed[1]
        flipped[3] ^= 1
        #expect(throws: CryptoError.authenticationFailed) { _ = try texts([sealed[0], flipped], header: header, key: key) }
        #expect(throws: CryptoError.authenticationFailed) { _ = try texts(sealed, header: header, key: key, ad: [8]) }
        #expect(throws: CryptoError.authenticationFailed) { _ = try texts(sealed, header: header, key: AEADKey.generate()) }
        var otherHeader = header
        otherHeader[0] ^= 1
        #expect(throws: CryptoError.authenticationFailed) { _ = try texts(sealed, header: otherHeader, key: key) }
    }

    @Test func aFailedMessageLeavesTheStateWhereItWas() throws {
        let key = AEADKey.generate()
        let (header, sealed) = stream(["a", "b"], key: key)
        let decryptor = try SecretStream.Decryptor(key: key, header: header)
        #expect(throws: CryptoError.authenticationFailed) { _ = try decryptor.pull(sealed[1], authenticating: [9]) }
        #expect(try decryptor.pull(sealed[0], authenticating: [9]).tag == .message)
        #expect(try decryptor.pull(sealed[1], authenticating: [9]).tag == .final)
    }

    @Test func wrongLengthsAreTyped() throws {
        #expect(throws: CryptoError.self) { _ = try SecretStream.Decryptor(key: AEADKey.generate(), header: [1, 2, 3]) }
        let decryptor = try SecretStream.Decryptor(key: AEADKey.generate(), header: [UInt8](repeating: 0, count: 24))
        #expect(throws: CryptoError.self) { _ = try decryptor.pull([UInt8](repeating: 0, count: 16)) }
    }
}
