import Testing
import SealpostCrypto
import SealpostProtocol
import SealpostWire

@Suite("Bundle verification")
struct BundleVerificationTests {
    let now = TestAccount.now

    func verify(_ bundle: PrekeyBundle, _ account: TestAccount, list: DeviceList? = nil, pinned: AccountPin? = nil, at time: UInt64? = nil) throws {
        _ = try VerifiedBundle(
            bundle, accountID: account.accountID, accountKey: account.accountKey.publicKey, deviceList: list ?? account.deviceList,
            pinned: pinned, now: time ?? now)
    }

    @Test func aGoodBundleVerifies() throws {
        let bob = TestAccount()
        try verify(bob.devices[0].bundle(), bob)
        try verify(bob.devices[0].bundle(oneTime: false, oneTimeKEM: false), bob)
    }

    @Test func aBadSignatureOnEachSignedObjectIsAnAuthenticationFailure() throws {
        let bob = TestAccount()
        let bundle = bob.devices[0].bundle()
        let stranger = Ed25519.PrivateKey.generate()
        // The signed prekey signed by another key.
        let forgedSigned = SignedPrekey.sign(id: bundle.signedPrekey.id, createdAt: bundle.signedPrekey.createdAt, key: bundle.signedPrekey.key, deviceKey: stranger)
        #expect(throws: HandshakeError.authenticationFailed) {
            try verify(PrekeyBundle(certificate: bundle.certificate, signedPrekey: forgedSigned, kemPrekey: bundle.kemPrekey, oneTimePrekey: nil), bob)
        }
        // The KEM prekey signed by another key.
        let forgedKEM = KEMPrekey.sign(id: 9, createdAt: now, kind: .lastResort, key: bundle.kemPrekey.key, deviceKey: stranger)
        #expect(throws: HandshakeError.authenticationFailed) {
            try verify(PrekeyBundle(certificate: bundle.certificate, signedPrekey: bundle.signedPrekey, kemPrekey: forgedKEM, oneTimePrekey: nil), bob)
        }
        // The certificate signed by another account key.
        let forgedCertificate = DeviceCertificate.issue(
            accountKey: stranger, accountID: bob.accountID, deviceID: bundle.certificate.deviceID, deviceKey: bundle.certificate.deviceKey, createdAt: now)
        #expect(throws: HandshakeError.authenticationFailed) {
            try verify(PrekeyBundle(certificate: forgedCertificate, signedPrekey: bundle.signedPrekey, kemPrekey: bundle.kemPrekey, oneTimePrekey: nil), bob)
        }
        // The device list signed by another account key.
        let forgedList = try DeviceList.sign(
            accountKey: stranger, accountID: bob.accountID, listVersion: 2, issuedAt: now, devices: bob.deviceList.devices, revoked: [])
        #expect(throws: HandshakeError.authenticationFailed) { try verify(bundle, bob, list: forgedList) }
    }

    /// A one-time KEM key passed off as the last-resort key (or the reverse) breaks the signature,
    /// because the kind is signed.
    @Test func theKEMPrekeyKindIsSigned() throws {
        let bob = TestAccount()
        let bundle = bob.devices[0].bundle()
        let kem = bundle.kemPrekey
        let relabelled = KEMPrekey(id: kem.id, createdAt: kem.createdAt, kind: .lastResort, key: kem.key, signature: kem.signature)
        #expect(throws: HandshakeError.authenticationFailed) {
            try verify(PrekeyBundle(certificate: bundle.certificate, signedPrekey: bundle.signedPrekey, kemPrekey: relabelled, oneTimePrekey: nil), bob)
        }
    }

    /// A valid signature made under another label (here: the same payload signed as a KEM prekey
    /// would be, but presented as a signed prekey) never verifies.
    @Test func aSignatureUnderAnotherLabelFails() throws {
        let bob = TestAccount()
        let bundle = bob.devices[0].bundle()
        let signed = bundle.signedPrekey
        var payload = SignedPayload()
        payload.field(signed.id)
        payload.field(signed.createdAt)
        payload.field(KeyEncoding.encode(signed.key))
        let otherLabel = bob.devices[0].identity.deviceKey.signature(for: payload.bytes, in: SignatureDomains.kemPrekey)
        let moved = SignedPrekey(id: signed.id, createdAt: signed.createdAt, key: signed.key, signature: otherLabel)
        #expect(throws: HandshakeError.authenticationFailed) {
            try verify(PrekeyBundle(certificate: bundle.certificate, signedPrekey: moved, kemPrekey: bundle.kemPrekey, oneTimePrekey: nil), bob)
        }
    }

    @Test func ageLimits() throws {
        let bob = TestAccount()
        let bundle = bob.devices[0].bundle()
        try verify(bundle, bob, at: now + Limits.maximumPrekeyAge)
        let expired = #expect(throws: HandshakeError.self) { try verify(bundle, bob, at: now + Limits.maximumPrekeyAge + 1) }
        #expect(expired?.code == "prekeyExpired")
        let future = #expect(throws: HandshakeError.self) { try verify(bundle, bob, at: now - Limits.clockSkew - 1) }
        #expect(future?.code == "createdInTheFuture")
    }

    @Test func deviceListMembership() throws {
        let bob = TestAccount(deviceCount: 2)
        let bundle = bob.devices[0].bundle()
        let without = bob.list(version: 2, devices: [bob.devices[1]], revoked: [bob.devices[0].identity.deviceID])
        #expect(throws: HandshakeError.deviceNotInList(bob.devices[0].identity.deviceID)) { try verify(bundle, bob, list: without) }
        // The list names device 1 with device 2's key.
        let swapped = try DeviceList.sign(
            accountKey: bob.accountKey, accountID: bob.accountID, listVersion: 2, issuedAt: now,
            devices: [.init(deviceID: bob.devices[0].identity.deviceID, deviceKey: bob.devices[1].identity.deviceKey.publicKey)], revoked: [])
        #expect(throws: HandshakeError.deviceKeyMismatch(bob.devices[0].identity.deviceID)) { try verify(bundle, bob, list: swapped) }
    }

    @Test func rollbackAndForkAreDetected() throws {
        var bob = TestAccount()
        bob.listVersion = 5
        let current = bob.deviceList
        let check = try AccountTrustCheck(accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: current, pinned: nil)
        let older = bob.list(version: 4, devices: bob.devices)
        #expect(throws: HandshakeError.deviceListRolledBack(pinned: 5, got: 4)) {
            try verify(bob.devices[0].bundle(), bob, list: older, pinned: check.pin)
        }
        let fork = bob.list(version: 5, devices: bob.devices, revoked: [try DeviceID(99)])
        #expect(throws: HandshakeError.deviceListConflict(version: 5)) {
            try verify(bob.devices[0].bundle(), bob, list: fork, pinned: check.pin)
        }
        // The same list again, and a newer one, are fine.
        try verify(bob.devices[0].bundle(), bob, list: current, pinned: check.pin)
        try verify(bob.devices[0].bundle(), bob, list: bob.list(version: 6, devices: bob.devices), pinned: check.pin)
    }

    @Test func aBundleOfAnotherAccountIsRefused() throws {
        let bob = TestAccount()
        let carol = TestAccount()
        #expect(throws: HandshakeError.self) { try verify(carol.devices[0].bundle(), bob) }
    }

    @Test func bundlesRoundTripAndRejectMalformedInput() throws {
        let bob = TestAccount()
        for bundle in [bob.devices[0].bundle(), bob.devices[0].bundle(oneTime: false, oneTimeKEM: false)] {
            let bytes = bundle.serialized()
            #expect(try PrekeyBundle(serialized: bytes) == bundle)
            #expect(try PrekeyBundle(serialized: bytes).serialized() == bytes)
            for length in stride(from: 0, to: bytes.count, by: 13) {
                #expect(throws: WireError.self) { try PrekeyBundle(serialized: Array(bytes.prefix(length))) }
            }
            #expect(throws: WireError.self) { try PrekeyBundle(serialized: bytes + [0]) }
        }
        var flag = bob.devices[0].bundle(oneTime: false).serialized()
        flag[flag.count - 1] = 2
        #expect(throws: WireError.invalidValue(field: "one-time prekey flag", reason: "must be 0 or 1, got 2")) { try PrekeyBundle(serialized: flag) }
    }
}
