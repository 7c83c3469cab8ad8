import SealpostCrypto

/// Authentication by a signed challenge (`Spec/relay.md`, "Authentication"): the relay hands out
/// a random nonce (`GET /v1/auth/challenge`: `u8 version = 0x01 ‖ nonce (32) ‖ u64 relay time`),
/// and the device signs it with its device key, in domain `sealpost/relay-auth/v1`, over
/// `lp16(relay origin) ‖ lp16(account id) ‖ lp16(u32 device id) ‖ lp16(nonce) ‖ lp16(u64 time)`.
/// The header is `Authorization: Sealpost-Signature <account hex>.<device>.<nonce hex>.<time>.<signature hex>`.
public enum AuthChallenge {
    /// The signature domain.
    public static let domain = SignatureDomain("sealpost/relay-auth/v1")
    /// Bytes in a nonce.
    public static let nonceByteCount = 32

    static func payload(origin: String, address: DeviceAddress, nonce: [UInt8], time: UInt64) -> SignedPayload {
        var payload = SignedPayload()
        payload.field(Array(origin.utf8.prefix(1_024)))
        payload.field(address.accountID.rawRepresentation)
        payload.field(address.deviceID.value)
        payload.field(nonce)
        payload.field(time)
        return payload
    }

    /// The `Authorization` header value for a challenge.
    public static func header(origin: String, address: DeviceAddress, nonce: [UInt8], time: UInt64, deviceKey: Ed25519.PrivateKey) -> String {
        let signature = deviceKey.signature(for: payload(origin: origin, address: address, nonce: nonce, time: time).bytes, in: domain)
        return "Sealpost-Signature \(address.accountID).\(address.deviceID).\(Hex.encode(nonce)).\(time).\(Hex.encode(signature.rawRepresentation))"
    }

    /// Whether `signature` is the device key's over the challenge.
    public static func verify(
        origin: String, address: DeviceAddress, nonce: [UInt8], time: UInt64, signature: Ed25519.Signature, deviceKey: Ed25519.PublicKey
    ) -> Bool {
        deviceKey.isValidSignature(signature, for: payload(origin: origin, address: address, nonce: nonce, time: time).bytes, in: domain)
    }
}
