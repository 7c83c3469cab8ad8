import CSodiumDirect
import Crypto
import Foundation
import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// The handshake, each side beside its floor: the signature, DH and ML-KEM calls it cannot
/// avoid, made directly on the same key sizes and message lengths.
enum HandshakeWorkloads {
    static let now: UInt64 = 1_790_000_000

    struct Party {
        let accountKey: SealpostCrypto.Ed25519.PrivateKey
        let accountID: AccountID
        let identity: DeviceIdentity
        let list: DeviceList
        var prekeys: PrekeyStore

        init() {
            accountKey = .generate()
            accountID = .random()
            let deviceKey = SealpostCrypto.Ed25519.PrivateKey.generate()
            let deviceID = try! DeviceID(1)
            let certificate = DeviceCertificate.issue(
                accountKey: accountKey, accountID: accountID, deviceID: deviceID, deviceKey: deviceKey.publicKey, createdAt: HandshakeWorkloads.now)
            identity = try! DeviceIdentity(accountID: accountID, accountKey: accountKey.publicKey, certificate: certificate, deviceKey: deviceKey)
            list = try! DeviceList.sign(
                accountKey: accountKey, accountID: accountID, listVersion: 1, issuedAt: HandshakeWorkloads.now,
                devices: [.init(deviceID: deviceID, deviceKey: deviceKey.publicKey)], revoked: [])
            prekeys = PrekeyStore()
            _ = prekeys.maintain(now: HandshakeWorkloads.now, identity: identity, relayOneTimeCount: 0, relayOneTimeKEMCount: 0)
        }

        var bundle: PrekeyBundle {
            PrekeyBundle(
                certificate: identity.certificate, signedPrekey: prekeys.signedPrekey(id: prekeys.currentSignedPrekeyID!)!.published,
                kemPrekey: prekeys.kemPrekey(id: prekeys.oneTimeKEMPrekeyIDs[0])!.published,
                oneTimePrekey: prekeys.oneTimePrekey(id: prekeys.oneTimePrekeyIDs[0])!.published)
        }
    }

    /// A signature over `length` bytes and its verification inputs, for the floor.
    struct DirectSignature {
        let message: [UInt8]
        let signature: [UInt8]
        let publicKey: [UInt8]

        init(length: Int) {
            var pk = [UInt8](repeating: 0, count: 32)
            var sk = [UInt8](repeating: 0, count: 64)
            _ = crypto_sign_keypair(&pk, &sk)
            message = [UInt8](repeating: 0x33, count: length)
            var sig = [UInt8](repeating: 0, count: 64)
            _ = crypto_sign_detached(&sig, nil, message, UInt64(length), sk)
            signature = sig
            publicKey = pk
        }

        func verify() -> Int32 {
            crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey)
        }
    }

    static func all() -> [Workload] {
        let alice = Party()
        let bob = Party()
        let bundle = bob.bundle
        var randomness = SystemHandshakeRandomness()
        let sample = try! Handshake.initiate(
            identity: alice.identity, accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: bob.list,
            bundle: bundle, pinned: nil, now: now, randomness: &randomness)
        let message = sample.message
        let bobPrekeys = bob.prekeys

        // Signed payload lengths: list ≈ 1+label+fields, certificate, signed prekey, KEM prekey.
        let listSignature = DirectSignature(length: 24 + 16 + 2 + 8 + 2 + 8 + 2 + 38 + 2 + 2 + 2)
        let certificateSignature = DirectSignature(length: 31 + 16 + 2 + 4 + 2 + 33 + 2 + 8 + 2)
        let prekeySignature = DirectSignature(length: 26 + 4 + 2 + 8 + 2 + 33 + 2)
        let kemSignature = DirectSignature(length: 23 + 4 + 2 + 8 + 2 + 1 + 2 + 1569 + 2)
        let edPublic = bob.identity.deviceKey.publicKey.rawRepresentation
        let points = (0..<4).map { _ in X25519.PrivateKey.generate().publicKey.rawRepresentation }
        let scalar = X25519.PrivateKey.generate().rawRepresentation.withUnsafeBytes { Array($0) }
        let kemKey = try! Crypto.MLKEM1024.PrivateKey()
        let kemPublic = kemKey.publicKey
        let kemCiphertext = try! kemPublic.encapsulate().encapsulated

        @Sendable func dh(_ count: Int) {
            var out = [UInt8](repeating: 0, count: 32)
            for index in 0..<count { _ = crypto_scalarmult(&out, scalar, points[index]) }
            consume(out)
        }
        @Sendable func convert() {
            var out = [UInt8](repeating: 0, count: 32)
            _ = crypto_sign_ed25519_pk_to_curve25519(&out, edPublic)
            consume(out)
        }

        let kemSeed = kemKey.seedRepresentation
        return [
            Workload(
                name: "bundle-verify",
                wrapper: {
                    consume(try? VerifiedBundle(bundle, accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: bob.list, pinned: nil, now: now))
                },
                direct: {
                    consume(listSignature.verify() + certificateSignature.verify() + prekeySignature.verify() + kemSignature.verify())
                }),
            Workload(
                name: "pqxdh-initiate",
                wrapper: {
                    var randomness = SystemHandshakeRandomness()
                    consume(try? Handshake.initiate(
                        identity: alice.identity, accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: bob.list,
                        bundle: bundle, pinned: nil, now: now, randomness: &randomness))
                },
                direct: {
                    // 4 signature checks, the responder key's conversion, EK_A, 4 DHs, encapsulation.
                    consume(listSignature.verify() + certificateSignature.verify() + prekeySignature.verify() + kemSignature.verify())
                    convert()
                    var ephemeral = [UInt8](repeating: 0, count: 32)
                    _ = crypto_scalarmult_base(&ephemeral, scalar)
                    dh(4)
                    consume(try? kemPublic.encapsulate())
                }),
            Workload(
                name: "pqxdh-respond",
                wrapper: {
                    consume(try? Handshake.respond(
                        to: message, identity: bob.identity, initiatorDeviceList: alice.list, pinned: nil, prekeys: bobPrekeys, now: now))
                },
                direct: {
                    // 2 signature checks, the initiator key's conversion, 4 DHs, decapsulation.
                    consume(listSignature.verify() + certificateSignature.verify())
                    convert()
                    dh(4)
                    consume(try? kemKey.decapsulate(kemCiphertext))
                }),
            Workload(
                name: "pqxdh-respond-seed-floor",
                wrapper: {
                    consume(try? Handshake.respond(
                        to: message, identity: bob.identity, initiatorDeviceList: alice.list, pinned: nil, prekeys: bobPrekeys, now: now))
                },
                direct: {
                    // The same floor, but decapsulating from the 64-byte seed, as Sealpost stores ML-KEM keys.
                    consume(listSignature.verify() + certificateSignature.verify())
                    convert()
                    dh(4)
                    consume(try? Crypto.MLKEM1024.PrivateKey(seedRepresentation: kemSeed, publicKey: nil).decapsulate(kemCiphertext))
                }),
        ]
    }
}
