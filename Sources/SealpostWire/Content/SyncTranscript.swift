/// What this user sent from one of its devices, for its own other devices (`Spec/content.md`,
/// "Sync transcripts").
///
/// A device that sends `content` to an account also sends, as a separate upload to its own
/// account's other devices, a transcript naming the recipient and carrying the content exactly as
/// sent (same message id, same time), so every device of the user shows the same conversation.
/// Only what a user writes is transcribed: a text, a binary or a timer change. Receipts are not
/// (each device acknowledges what it received itself), nor transcripts (no nesting), nor types
/// this version does not know (it could not vouch for what they mean).
public struct SyncTranscript: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The type bytes a transcript may carry: text, binary, disappearing timer.
    public static let transcribedTypes: Set<UInt8> = [0x01, 0x02, 0x06]

    /// The account this device's user sent ``content`` to.
    public let recipient: AccountID
    /// The content as it was sent.
    public let content: Content

    /// A transcript of `content`, sent to `recipient`.
    /// - Throws: ``WireError/unknownType(field:type:)`` (field `transcript content type`) unless
    ///   `content` is a text, a binary or a disappearing timer.
    public init(recipient: AccountID, content: Content) throws(WireError) {
        guard Self.transcribedTypes.contains(content.body.typeByte) else {
            throw .unknownType(field: "transcript content type", type: content.body.typeByte)
        }
        self.recipient = recipient
        self.content = content
    }

    /// The recipient and the content's summary; never the text, the data or an access secret.
    public var description: String { "to \(recipient): \(content)" }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// The recipient and the content (whose own mirror shows no secret).
    public var customMirror: Mirror { Mirror(self, children: ["recipient": recipient, "content": content], displayStyle: .struct) }
}
