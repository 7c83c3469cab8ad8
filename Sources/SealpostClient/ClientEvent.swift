import SealpostProtocol
import SealpostWire

/// Something the user should see, reported by the receive loop and by sends.
public enum ClientEvent: Sendable {
    /// A message from a contact, committed to the vault before it was reported.
    case message(ReceivedMessage)
    /// A content type from a newer version: kept in the history, shown as unsupported.
    case unsupported(from: DeviceAddress, type: UInt8)
    /// A contact's account key is not the one pinned. For a verified contact, sending is blocked
    /// until the user accepts the change.
    case keyChanged(account: AccountID, wasVerified: Bool)
    /// A contact's device list changed (a device added or removed): a notice, not a warning.
    case devicesChanged(account: AccountID, devices: [DeviceID])
    /// A contact was trusted on first use.
    case newContact(account: AccountID, name: String)
    /// An envelope could not be opened or decrypted; it was acknowledged so it does not block the
    /// mailbox. The reason names the check that failed, never key material.
    case undecryptable(reason: String)
    /// A message left the outbox undelivered: every device it was for has left the account.
    case notDelivered(account: AccountID, reason: String)
    /// The connection to the relay dropped; ``SealpostClient/listen(onEvent:)`` reconnects after
    /// the delay.
    case connectionLost(reason: String, retryInSeconds: UInt64)
}

/// A received message.
public struct ReceivedMessage: Sendable {
    /// The sending device.
    public let sender: DeviceAddress
    /// The contact's name, as this device knows it.
    public let senderName: String
    /// What it carried.
    public let content: Content
    /// When the relay received it (seconds since the Unix epoch).
    public let receivedAt: UInt64
}
