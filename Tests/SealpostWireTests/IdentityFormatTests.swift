import Testing
import SealpostCrypto
import SealpostWire

@Suite("Certificates and device lists")
struct IdentityFormatTests {
    let accountKey = Ed25519.PrivateKey.generate()
    let accountID = AccountID.random()

    func certificate() throws -> DeviceCertificate {
        DeviceCertificate.issue(accountKey: accountKey, accountID: accountID, deviceID: try DeviceID(3), deviceKey: Ed25519.PrivateKey.generate().publicKey, createdAt: 1_700_000_000)
    }

    @Test func aCertificateRoundTripsAndVerifies() throws {
        let cert = try certificate()
        let bytes = cert.serialized()
        #expect(bytes.count == DeviceCertificate.byteCount)
        let parsed = try DeviceCertificate(serialized: bytes)
        #expect(parsed == cert)
        try parsed.verify(accountKey: accountKey.publicKey)
        #expect(throws: WireError.authenticationFailed) { try parsed.verify(accountKey: Ed25519.PrivateKey.generate().publicKey) }
    }

    /// Every single-bit change of a certificate either fails to parse or fails to verify.
    @Test func everyBitOfACertificateMatters() throws {
        let bytes = try certificate().serialized()
        for index in bytes.indices {
            for bit in 0..<8 {
                var tampered = bytes
                tampered[index] ^= UInt8(1) << bit
                do {
                    try DeviceCertificate(serialized: tampered).verify(accountKey: accountKey.publicKey)
                    Issue.record("flip at \(index).\(bit) accepted")
                } catch {}
            }
        }
    }

    @Test func certificatesRejectMalformedInput() throws {
        let bytes = try certificate().serialized()
        for length in 0..<bytes.count {
            #expect(throws: WireError.self) { try DeviceCertificate(serialized: Array(bytes.prefix(length))) }
        }
        #expect(throws: WireError.trailingBytes(structure: "device certificate", count: 1)) { try DeviceCertificate(serialized: bytes + [0]) }
        var type = bytes
        type[1 + 16 + 4] = 0x05  // an X25519 type byte where an Ed25519 key belongs
        #expect(throws: WireError.unknownType(field: "device certificate key", type: 0x05)) { try DeviceCertificate(serialized: type) }
        var zero = bytes
        zero.replaceSubrange(17..<21, with: [0, 0, 0, 0])
        #expect(throws: WireError.self) { try DeviceCertificate(serialized: zero) }
    }

    @Test func deviceListsRoundTripAndEnforceTheirRules() throws {
        let keys = (0..<3).map { _ in Ed25519.PrivateKey.generate().publicKey }
        let list = try DeviceList.sign(
            accountKey: accountKey, accountID: accountID, listVersion: 4, issuedAt: 1,
            devices: [.init(deviceID: try DeviceID(2), deviceKey: keys[1]), .init(deviceID: try DeviceID(1), deviceKey: keys[0])],
            revoked: [try DeviceID(7)])
        #expect(list.devices.map(\.deviceID.value) == [1, 2])
        let bytes = list.serialized()
        let parsed = try DeviceList(serialized: bytes)
        #expect(parsed == list)
        try parsed.verify(accountKey: accountKey.publicKey)
        for length in stride(from: 0, to: bytes.count, by: 3) {
            #expect(throws: WireError.self) { try DeviceList(serialized: Array(bytes.prefix(length))) }
        }
        #expect(throws: WireError.self) { try DeviceList(serialized: bytes + [1]) }
        #expect(throws: WireError.self) {
            try DeviceList.sign(accountKey: accountKey, accountID: accountID, listVersion: 1, issuedAt: 1, devices: [], revoked: [])
        }
        #expect(throws: WireError.self) {
            try DeviceList.sign(accountKey: accountKey, accountID: accountID, listVersion: 0, issuedAt: 1, devices: [.init(deviceID: try DeviceID(1), deviceKey: keys[0])], revoked: [])
        }
        #expect(throws: WireError.self) {
            try DeviceList.sign(
                accountKey: accountKey, accountID: accountID, listVersion: 1, issuedAt: 1,
                devices: [.init(deviceID: try DeviceID(1), deviceKey: keys[0]), .init(deviceID: try DeviceID(1), deviceKey: keys[1])], revoked: [])
        }
        #expect(throws: WireError.self) {
            try DeviceList.sign(
                accountKey: accountKey, accountID: accountID, listVersion: 1, issuedAt: 1, devices: [.init(deviceID: try DeviceID(1), deviceKey: keys[0])],
                revoked: [try DeviceID(1)])
        }
        // Unsorted devices on the wire are refused (one encoding per list).
        var unsorted = bytes
        let first = 1 + 16 + 8 + 8 + 1
        let entry = 4 + 33
        let a = Array(unsorted[first..<(first + entry)])
        let b = Array(unsorted[(first + entry)..<(first + 2 * entry)])
        unsorted.replaceSubrange(first..<(first + 2 * entry), with: b + a)
        #expect(throws: WireError.self) { try DeviceList(serialized: unsorted) }
        // A count over the bound is refused before reading entries.
        var many = bytes
        many[first - 1] = 33
        #expect(throws: WireError.countOutOfBounds(field: "devices", maximum: 32, got: 33)) { try DeviceList(serialized: many) }
    }
}
