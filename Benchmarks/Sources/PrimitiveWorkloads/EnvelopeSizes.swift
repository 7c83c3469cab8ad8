import Foundation
import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Bytes on the wire for sealed envelopes (`primitive-loop envelope-sizes`): every figure comes
/// from envelopes Sealpost sealed, or from its padding function checked against sealed ones.
extension EnvelopeWorkloads {
    /// The message-size mix the padding figures use. Each class is drawn with its share, then a
    /// length uniform in its range (bytes, inclusive), by ``SplitMix64`` from a fixed seed.
    public static let sizeMix: [(name: String, share: Double, range: ClosedRange<Int>)] = [
        ("receipts, typing", 0.40, 20...60),
        ("short texts", 0.45, 20...300),
        ("long texts", 0.10, 300...4_096),
        ("small payloads", 0.04, 4_096...65_536),
        ("large payloads", 0.01, 65_536...1_048_575),
    ]
    /// Messages drawn for the mix.
    public static let mixSamples = 100_000
    /// The generator's seed.
    public static let mixSeed: UInt64 = 0x5EA1_9057_0000_0001

    /// The report, one line per row, Markdown tables.
    public static func sizeReport() -> [String] {
        let op = Operator()
        var alice = MailDevice()
        let kibibyte = [UInt8](repeating: 0x61, count: 1024)
        var lines: [String] = []

        // Recipient devices: one-device accounts, each in an established session with Alice.
        var devices: [MailDevice] = []
        var records: [SessionRecord] = []
        var first: EnvelopeUpload?
        for _ in 0..<100 {
            var device = MailDevice()
            let conversation = Conversation(alice: &alice, peer: &device, op: op)
            first = first ?? conversation.firstUpload
            devices.append(device)
            records.append(conversation.aliceRecord)
        }
        let certificate = op.senderCertificate(for: alice.identity)
        let recipients = zip(devices, records).map { $0.recipient(peer: $1.current!.peer) }

        /// Alice's upload of `plaintext` to the first `count` devices.
        func upload(_ plaintext: [UInt8], to indices: Range<Int>) -> EnvelopeUpload {
            var random = SystemRatchetRandomness()
            let prepared = try! PreparedContent(plaintext, envelopeID: .random())
            let messages = indices.map { index in
                (recipient: recipients[index], message: try! records[index].encrypt(prepared, now: now, randomness: &random).message)
            }
            return try! EnvelopeSealer.seal(prepared, messages: messages, certificate: certificate)
        }

        // Parts.
        let ratchetUpload = upload(kibibyte, to: 0..<1)
        let ratchet = Conversation.unverified(ratchetUpload, at: devices[0], op: op)
        guard case .ratchet = ratchet.sessionMessage else { preconditionFailure("expected a ratchet message") }
        let initialUpload = first!
        let initial = Conversation.unverified(initialUpload, at: devices[0], op: op)
        guard case .initial = initial.sessionMessage else { preconditionFailure("expected an initial message") }
        // A delivered envelope beyond its part and content: version, id, key id, enc, two lengths.
        let header = 1 + EnvelopeID.byteCount + 4 + HPKE.encapsulatedKeyByteCount + 2 + 4
        lines += [
            "Per-recipient part (content-key message of 81 bytes inside):",
            "",
            "| part | session message | padded part | sealed part | per-recipient upload entry | whole envelope, 1 KiB content |",
            "|---|---|---|---|---|---|",
        ]
        for (label, unverified, upload) in [("ratchet", ratchet, ratchetUpload), ("first message (handshake)", initial, initialUpload)] {
            let sealed = upload.recipients[0].sealedPart.count
            let entry = AccountID.byteCount + 4 + 1 + DeliveryAccessKey.byteCount + 4 + HPKE.encapsulatedKeyByteCount + 2 + sealed
            // The 1 KiB whole-envelope figure uses the ratchet upload's content for both parts.
            let envelope = header + sealed + ratchetUpload.content.count
            lines.append("| \(label) | \(unverified.sessionMessage.serialized().count) B | \(sealed - 16) B | \(sealed) B | \(entry) B | \(envelope) B |")
        }
        let delivered = ratchetUpload.split()[0].envelope.serialized().count
        precondition(delivered == header + ratchetUpload.recipients[0].sealedPart.count + ratchetUpload.content.count)

        // Uploads to n devices.
        lines += [
            "",
            "Upload of a 1 KiB message (content field \(ratchetUpload.content.count) B) to n devices, ratchet parts:",
            "",
            "| devices | naive: n single-recipient uploads | multi-recipient upload | saved | relay → each device |",
            "|---|---|---|---|---|",
        ]
        for count in [1, 10, 100] {
            let naive = (0..<count).reduce(0) { $0 + upload(kibibyte, to: $1..<($1 + 1)).serialized().count }
            let multi = upload(kibibyte, to: 0..<count).serialized().count
            let saved = 100 * Double(naive - multi) / Double(naive)
            lines.append("| \(count) | \(naive) B | \(multi) B | \(String(format: "%.1f", saved)) % | \(delivered) B |")
        }

        lines += [""] + paddingMix(ratchetEnvelopeOverhead: delivered - ratchetUpload.content.count, check: { upload($0, to: 0..<1) })
        return lines
    }

    /// The padding figures on ``sizeMix``. `ratchetEnvelopeOverhead` is a delivered envelope's
    /// bytes beyond its content field; every 500th message is also sealed for real and its size
    /// compared with the computed one.
    static func paddingMix(ratchetEnvelopeOverhead overhead: Int, check seal: ([UInt8]) -> EnvelopeUpload) -> [String] {
        struct Totals {
            var count = 0
            var content = 0
            var padded = 0
            var envelope = 0
        }
        var generator = SplitMix64(seed: mixSeed)
        var classes = [Totals](repeating: Totals(), count: sizeMix.count)
        for sample in 0..<mixSamples {
            let draw = Double(generator.next() >> 11) / Double(1 << 53)
            var index = 0
            var cumulative = sizeMix[0].share
            while draw >= cumulative, index < sizeMix.count - 1 {
                index += 1
                cumulative += sizeMix[index].share
            }
            let range = sizeMix[index].range
            let length = range.lowerBound + Int(generator.next() % UInt64(range.count))
            let padded = EnvelopePadding.contentBucket(forPaddedLength: length + 1)
            let envelope = overhead + SealedEnvelope.commitmentByteCount + padded + 16
            if sample % 500 == 0 {
                let real = seal([UInt8](repeating: 0x61, count: length)).split()[0].envelope.serialized().count
                precondition(real == envelope, "computed \(envelope) B, sealed \(real) B for \(length) B")
            }
            classes[index].count += 1
            classes[index].content += length
            classes[index].padded += padded
            classes[index].envelope += envelope
        }
        var lines = [
            "Padding on a mix of \(mixSamples) messages (SplitMix64, seed 0x\(String(mixSeed, radix: 16))); overheads are of the bytes, summed:",
            "",
            "| class | share drawn | mean content | mean padded content | padding overhead | mean envelope (ratchet part) | envelope / plaintext |",
            "|---|---|---|---|---|---|---|",
        ]
        func row(_ name: String, _ totals: Totals) -> String {
            let n = Double(totals.count)
            let share = String(format: "%.2f %%", 100 * n / Double(mixSamples))
            let padding = String(format: "%.1f %%", 100 * Double(totals.padded - totals.content) / Double(totals.content))
            let ratio = String(format: "%.2f", Double(totals.envelope) / Double(totals.content))
            return "| \(name) | \(share) | \(format(Double(totals.content) / n)) B | \(format(Double(totals.padded) / n)) B | \(padding) | \(format(Double(totals.envelope) / n)) B | \(ratio) |"
        }
        for (index, totals) in classes.enumerated() { lines.append(row(sizeMix[index].name, totals)) }
        let all = classes.reduce(into: Totals()) {
            $0.count += $1.count
            $0.content += $1.content
            $0.padded += $1.padded
            $0.envelope += $1.envelope
        }
        lines.append(row("**all**", all))
        return lines
    }

    static func format(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = value < 100 ? 1 : 0
        formatter.minimumFractionDigits = value < 100 ? 1 : 0
        return formatter.string(from: NSNumber(value: value)) ?? "\(value)"
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a fixed-seed generator so that the size mix repeats
/// exactly; not for anything secret.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
