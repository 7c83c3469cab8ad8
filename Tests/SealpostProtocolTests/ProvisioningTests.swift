import Testing
import SealpostCrypto
import SealpostProtocol
import SealpostWire

@Suite("Provisioning code and channel")
struct ProvisioningTests {
    func makeCode(url: String = "https://relay.example:8787") throws -> (ProvisioningCode, X25519.PrivateKey) {
        let ephemeral = X25519.PrivateKey.generate()
        let code = try ProvisioningCode(channel: SecureRandom.bytes(count: 16), publicKey: ephemeral.publicKey, secret: .random(count: 16), relayURL: url)
        return (code, ephemeral)
    }

    @Test func aCodeReadsBackFromItsTextInEitherCaseAndWithSpaces() throws {
        let (code, _) = try makeCode()
        #expect(code.text.hasPrefix("SEALPOST-LINK-"))
        // Only QR alphanumeric characters.
        #expect(code.text.allSatisfy { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-".contains($0) })
        for text in [code.text, code.text.lowercased(), "  " + code.text + "\n", code.text.prefix(30) + " " + code.text.dropFirst(30)] {
            let read = try ProvisioningCode(text: String(text))
            #expect(read.bytes == code.bytes)
            #expect(read.relayURL == code.relayURL && read.channel == code.channel && read.publicKey == code.publicKey)
        }
        #expect(!"\(code)".contains(code.text.dropFirst(14).prefix(20)))
    }

    @Test func malformedCodesAreRefusedWithTheirReason() throws {
        let (code, _) = try makeCode()
        var typo = Array(code.text)
        typo[20] = typo[20] == "A" ? "B" : "A"
        #expect(throws: ProvisioningError.checksumMismatch) { try ProvisioningCode(text: String(typo)) }
        #expect(throws: ProvisioningError.self) { try ProvisioningCode(text: "SEALPOST-LINK-") }
        #expect(throws: ProvisioningError.self) { try ProvisioningCode(text: "HELLO-" + code.text.dropFirst(14)) }
        #expect(throws: ProvisioningError.self) { try ProvisioningCode(text: code.text + "0") }
        #expect(throws: ProvisioningError.self) { try ProvisioningCode(text: String(code.text.dropLast(3))) }
        var bytes = code.bytes
        bytes[0] = 2
        #expect(throws: ProvisioningError.unsupportedVersion) { try ProvisioningCode(bytes: bytes) }
        // Trailing bytes inside a correct checksum.
        var long = Array(code.bytes.dropLast(4)) + [0]
        long += Array(SHA256.hash(Array("sealpost/provisioning-code/v1".utf8) + long).prefix(4))
        #expect(throws: ProvisioningError.self) { try ProvisioningCode(bytes: long) }
        #expect(throws: ProvisioningError.self) { try makeCode(url: "") }
        #expect(throws: ProvisioningError.self) { try makeCode(url: String(repeating: "x", count: 201)) }
    }

    @Test func bothSidesDeriveTheSameStringAndTheChannelCarriesTheKeyAndThePackage() throws {
        let (code, ephemeral) = try makeCode()
        let (message, existing) = try ProvisioningChannel.answer(code)
        #expect(message.count == 33)
        let new = try ProvisioningChannel.accept(message, code: code, ephemeral: ephemeral)
        #expect(new.shortAuthenticationString == existing.shortAuthenticationString)
        #expect(new.transcriptHash == existing.transcriptHash)
        #expect(new.shortAuthenticationString.count == 7 && new.shortAuthenticationString.dropFirst(3).first == " ")

        let deviceKey = Ed25519.PrivateKey.generate().publicKey
        #expect(try existing.openRequest(new.sealRequest(deviceKey: deviceKey)) == deviceKey)
        let package = SecretBytes(copying: Array("the account key and contacts".utf8))
        #expect(try new.openPackage(try existing.sealPackage(package)).constantTimeEquals(package))
        // Each key seals in one direction only.
        #expect(throws: ProvisioningError.authenticationFailed) { try new.openPackage(new.sealRequest(deviceKey: deviceKey)) }
    }

    /// A relay that swaps the existing device's key for its own gets a channel whose string
    /// differs, and cannot open or forge anything without the code's secret.
    @Test func aRelayThatSwapsTheKeyIsSeen() throws {
        let (code, ephemeral) = try makeCode()
        let (_, existing) = try ProvisioningChannel.answer(code)
        let (forged, relaySide) = try ProvisioningChannel.answer(
            try ProvisioningCode(channel: code.channel, publicKey: code.publicKey, secret: .random(count: 16), relayURL: code.relayURL))
        let new = try ProvisioningChannel.accept(forged, code: code, ephemeral: ephemeral)
        #expect(new.shortAuthenticationString != existing.shortAuthenticationString || new.transcriptHash != existing.transcriptHash)
        let request = new.sealRequest(deviceKey: Ed25519.PrivateKey.generate().publicKey)
        #expect(throws: ProvisioningError.authenticationFailed) { try existing.openRequest(request) }
        #expect(throws: ProvisioningError.authenticationFailed) { try relaySide.openRequest(request) }
        let package = try relaySide.sealPackage(SecretBytes(copying: [1, 2, 3]))
        #expect(throws: ProvisioningError.authenticationFailed) { try new.openPackage(package) }
    }

    @Test func malformedChannelMessagesAreRefused() throws {
        let (code, ephemeral) = try makeCode()
        let (message, existing) = try ProvisioningChannel.answer(code)
        #expect(throws: ProvisioningError.self) { try ProvisioningChannel.accept(Array(message.dropLast()), code: code, ephemeral: ephemeral) }
        #expect(throws: ProvisioningError.self) { try ProvisioningChannel.accept(message + [0], code: code, ephemeral: ephemeral) }
        #expect(throws: ProvisioningError.self) { try ProvisioningChannel.accept([2] + message.dropFirst(), code: code, ephemeral: ephemeral) }
        // A low-order point from the relay.
        #expect(throws: ProvisioningError.self) { try ProvisioningChannel.accept([1] + [UInt8](repeating: 0, count: 32), code: code, ephemeral: ephemeral) }
        #expect(throws: ProvisioningError.authenticationFailed) { try existing.openRequest([]) }
        #expect(throws: ProvisioningError.authenticationFailed) { try existing.openRequest([UInt8](repeating: 7, count: 49)) }
    }
}
