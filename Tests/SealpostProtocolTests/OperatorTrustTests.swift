import Testing
import SealpostCrypto
@testable import SealpostProtocol
import SealpostWire

@Suite("Operator trust chain")
struct OperatorTrustTests {
    let op = TestOperator()
    let device = TestAccount().devices[0].identity
    let now = TestAccount.now

    @Test func aCertificateIsCheckedAgainstTheRelayStampNotTheReadersClock() throws {
        let certificate = op.senderCertificate(for: device, expires: now + Limits.senderCertificateLifetime)
        try op.trust.validate(certificate, receivedAt: now, now: now)
        // Read 20 days later, long after expiry: valid, because the relay received it in time.
        try op.trust.validate(certificate, receivedAt: certificate.expires - 60, now: certificate.expires + 20 * Limits.day)
        // Within the skew after expiry: accepted; beyond: refused.
        try op.trust.validate(certificate, receivedAt: certificate.expires + Limits.certificateClockSkew, now: now + 2 * Limits.day)
        #expect(throws: EnvelopeError.certificateExpired(expires: certificate.expires, receivedAt: certificate.expires + Limits.certificateClockSkew + 1)) {
            try op.trust.validate(certificate, receivedAt: certificate.expires + Limits.certificateClockSkew + 1, now: now + 2 * Limits.day)
        }
    }

    @Test func aCertificateLivingLongerThanTheRelayIssuesIsRefused() throws {
        let forever = op.senderCertificate(for: device, expires: .max)
        #expect(throws: EnvelopeError.certificateLifetimeExceeded(expires: .max, receivedAt: now)) { try op.trust.validate(forever, receivedAt: now, now: now) }
        let edge = now + Limits.senderCertificateLifetime + Limits.certificateClockSkew
        try op.trust.validate(op.senderCertificate(for: device, expires: edge), receivedAt: now, now: now)
        #expect(throws: EnvelopeError.self) { try op.trust.validate(op.senderCertificate(for: device, expires: edge + 1), receivedAt: now, now: now) }
    }

    @Test func aRenewedServerCertificateExtendsAndAnOlderOneCannotShorten() throws {
        var trust = op.trust
        let renewed = try ServerCertificate.issue(
            rootKey: op.root, keyID: op.serverKeyID, serverKey: op.serverKey.publicKey, notBefore: now, notAfter: now + 200 * Limits.day)
        try trust.add(renewed)
        #expect(trust.serverCertificates[op.serverKeyID] == renewed)
        try trust.add(op.serverCertificate)
        #expect(trust.serverCertificates[op.serverKeyID] == renewed)
    }

    @Test func implausibleStampsAreRefused() throws {
        let certificate = op.senderCertificate(for: device)
        #expect(throws: EnvelopeError.implausibleDeliveryTime(receivedAt: now + Limits.clockSkew + 1, now: now)) {
            try op.trust.validate(certificate, receivedAt: now + Limits.clockSkew + 1, now: now)
        }
        let late = now + Limits.relayRetention + Limits.clockSkew + 1
        #expect(throws: EnvelopeError.implausibleDeliveryTime(receivedAt: now, now: late)) { try op.trust.validate(certificate, receivedAt: now, now: late) }
        #expect(throws: EnvelopeError.implausibleDeliveryTime(receivedAt: .max, now: now)) { try op.trust.validate(certificate, receivedAt: .max, now: now) }
    }

    @Test func unknownRevokedAndOutOfWindowServerKeys() throws {
        var trust = op.trust
        let stranger = SenderCertificate.issue(
            serverKey: .generate(), serverKeyID: 99, accountID: device.accountID, deviceID: device.deviceID, deviceKey: device.deviceKey.publicKey,
            expires: now + 3_600)
        #expect(throws: EnvelopeError.unknownServerKey(99)) { try trust.validate(stranger, receivedAt: now, now: now) }
        // A certificate claiming a known key id but signed by another key.
        let forged = SenderCertificate.issue(
            serverKey: .generate(), serverKeyID: op.serverKeyID, accountID: device.accountID, deviceID: device.deviceID,
            deviceKey: device.deviceKey.publicKey, expires: now + 3_600)
        #expect(throws: EnvelopeError.authenticationFailed) { try trust.validate(forged, receivedAt: now, now: now) }
        // Outside the server certificate's window.
        let certificate = op.senderCertificate(for: device, expires: op.serverCertificate.notAfter + 10 * Limits.day)
        let after = op.serverCertificate.notAfter + Limits.certificateClockSkew + 1
        #expect(throws: EnvelopeError.serverCertificateNotValid(keyID: op.serverKeyID, receivedAt: after)) {
            try trust.validate(certificate, receivedAt: after, now: after)
        }
        // Revoked: refused whatever the window says, and its certificate is forgotten.
        try trust.apply(ServerKeyRevocationList.sign(rootKey: op.root, sequence: 1, issuedAt: now, revokedKeyIDs: [op.serverKeyID]))
        #expect(throws: EnvelopeError.revokedServerKey(op.serverKeyID)) { try trust.validate(certificate, receivedAt: now, now: now) }
        #expect(trust.serverCertificates[op.serverKeyID] == nil)
        #expect(throws: OperatorTrustError.revokedServerKey(op.serverKeyID)) { try trust.add(op.serverCertificate) }
    }

    @Test func serverKeysOverlapDuringRotation() throws {
        var trust = op.trust
        let next = Ed25519.PrivateKey.generate()
        try trust.add(ServerCertificate.issue(rootKey: op.root, keyID: 8, serverKey: next.publicKey, notBefore: now, notAfter: now + 90 * Limits.day))
        let old = op.senderCertificate(for: device)
        let new = SenderCertificate.issue(
            serverKey: next, serverKeyID: 8, accountID: device.accountID, deviceID: device.deviceID, deviceKey: device.deviceKey.publicKey,
            expires: now + Limits.day)
        try trust.validate(old, receivedAt: now + 60, now: now + 60)
        try trust.validate(new, receivedAt: now + 60, now: now + 60)
        // A certificate from another root is refused; so is the same id for another key.
        #expect(throws: OperatorTrustError.authenticationFailed) {
            try trust.add(ServerCertificate.issue(rootKey: .generate(), keyID: 9, serverKey: next.publicKey, notBefore: now, notAfter: now + 1))
        }
        #expect(throws: OperatorTrustError.conflictingServerKey(8)) {
            try trust.add(ServerCertificate.issue(rootKey: op.root, keyID: 8, serverKey: Ed25519.PrivateKey.generate().publicKey, notBefore: now, notAfter: now + 1))
        }
    }

    @Test func revocationListsOnlyMoveForward() throws {
        var trust = op.trust
        let second = try ServerKeyRevocationList.sign(rootKey: op.root, sequence: 2, issuedAt: now, revokedKeyIDs: [3, 1, 3])
        #expect(second.revokedKeyIDs == [1, 3])
        try trust.apply(second)
        try trust.apply(second)
        #expect(throws: OperatorTrustError.revocationRollback(have: 2, got: 1)) {
            try trust.apply(ServerKeyRevocationList.sign(rootKey: op.root, sequence: 1, issuedAt: now, revokedKeyIDs: []))
        }
        #expect(throws: OperatorTrustError.revocationRollback(have: 2, got: 2)) {
            try trust.apply(ServerKeyRevocationList.sign(rootKey: op.root, sequence: 2, issuedAt: now, revokedKeyIDs: []))
        }
        #expect(throws: OperatorTrustError.authenticationFailed) {
            try trust.apply(ServerKeyRevocationList.sign(rootKey: .generate(), sequence: 3, issuedAt: now, revokedKeyIDs: []))
        }
    }

    @Test func theRootIsPinnedByFingerprint() throws {
        let fingerprint = OperatorTrust.fingerprint(of: op.root.publicKey)
        #expect(fingerprint.count == 64)
        _ = try OperatorTrust(rootKey: op.root.publicKey, fingerprint: fingerprint.uppercased())
        #expect(throws: OperatorTrustError.fingerprintMismatch) {
            try OperatorTrust(rootKey: Ed25519.PrivateKey.generate().publicKey, fingerprint: fingerprint)
        }
    }

    @Test func senderCertificatesAreRefreshedBeforeTheyRunOut() {
        let certificate = op.senderCertificate(for: device, expires: now + Limits.senderCertificateLifetime)
        #expect(!OperatorTrust.needsRefresh(certificate, now: now))
        #expect(OperatorTrust.needsRefresh(certificate, now: certificate.expires - Limits.senderCertificateRefreshMargin))
    }

    @Test func anExpiredCertificateInAnEnvelopeIsRefused() throws {
        var mail = Mail()
        let upload = try mail.aliceSends("late", certificate: mail.op.senderCertificate(for: mail.alice.identity, expires: mail.now - Limits.day))
        let error = #expect(throws: EnvelopeError.self) { try mail.bobOpens(mail.delivery(upload, to: 0), at: 0) }
        #expect(error?.code == "certificateExpired")
        // Received in time, read weeks later: accepted.
        let upload2 = try mail.aliceSends("read late")
        let opened = try mail.bobOpens(mail.delivery(upload2, to: 0), at: 0, now: mail.now + 25 * Limits.day)
        #expect(opened.plaintext == Array("read late".utf8))
    }
}
