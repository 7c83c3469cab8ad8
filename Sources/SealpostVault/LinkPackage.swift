import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// What an existing device sends a device it links, inside the provisioning channel
/// (`Spec/devices.md`, "Provisioning"): the new device's certificate, the signed device list
/// that adds it, and the account archive (the account key, access secret, contacts and, if the
/// user chose, the history).
///
/// ```
/// package = u8 version = 0x01 ‖ lp16(device certificate) ‖ lp16(device list) ‖ archive (lp32 records)
/// ```
public struct LinkPackage: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The new device's certificate, issued under the account key.
    public let certificate: DeviceCertificate
    /// The account's device list with the new device, one version above the one it replaces.
    public let deviceList: DeviceList
    /// The account archive.
    public let archive: AccountArchive

    /// `LinkPackage(device …, <archive>)`: never the account key, contacts or messages.
    public var description: String { "LinkPackage(device \(certificate.deviceID), \(archive))" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror that shows only the device and the archive's summary.
    public var customMirror: Mirror { Mirror(self, children: ["deviceID": certificate.deviceID, "archive": archive], displayStyle: .struct) }

    /// A package.
    public init(certificate: DeviceCertificate, deviceList: DeviceList, archive: AccountArchive) {
        self.certificate = certificate
        self.deviceList = deviceList
        self.archive = archive
    }

    /// The encoding (a secret: it holds the account key).
    public func serialized() -> SecretBytes {
        var writer = ByteWriter()
        writer.u8(1)
        writer.lp16(certificate.serialized())
        writer.lp16(deviceList.serialized())
        return SecretBytes(concatenating: [SecretBytes(copying: writer.takeBytes()), archive.serialized()])
    }

    /// Reads a package, strictly, and checks that its parts belong together: the certificate
    /// and the list verify under the archive's account key, are of its account, and the list
    /// names the certified device with its key.
    /// - Throws: ``VaultError/storage(_:)`` saying what is wrong.
    public init(serialized: SecretBytes) throws(VaultError) {
        // The certificate and the list hold no secret: only their bytes are copied out; the
        // archive (with the account key) is read from the secret bytes directly.
        var offset = 0
        func take(_ count: Int) throws(VaultError) -> [UInt8] {
            guard serialized.count - offset >= count else { throw .storage("link package: cut short") }
            defer { offset += count }
            return serialized.slice(offset..<(offset + count)).withUnsafeBytes { Array($0) }
        }
        func length(maximum: Int) throws(VaultError) -> Int {
            let bytes = try take(2)
            let value = Int(bytes[0]) << 8 | Int(bytes[1])
            guard value <= maximum else { throw .storage("link package: a field longer than \(maximum) bytes") }
            return value
        }
        guard try take(1) == [1] else { throw .storage("link package: version is not 1") }
        do {
            certificate = try DeviceCertificate(serialized: try take(try length(maximum: DeviceCertificate.byteCount)))
            deviceList = try DeviceList(serialized: try take(try length(maximum: Contact.maximumDeviceListBytes)))
        } catch let error as VaultError {
            throw error
        } catch {
            throw .storage("link package: \(error)")
        }
        let consumed = offset
        archive = try AccountArchive(serialized: serialized.slice(consumed..<serialized.count))
        let accountKey = archive.accountKey.publicKey
        do {
            try deviceList.verify(accountKey: accountKey)
            try certificate.verify(accountKey: accountKey)
        } catch {
            throw .storage("link package: the certificate or device list is not signed by the account key")
        }
        guard deviceList.accountID == archive.accountID, certificate.accountID == archive.accountID,
            deviceList.device(certificate.deviceID)?.deviceKey == certificate.deviceKey
        else { throw .storage("link package: the certificate, list and archive are of different accounts or devices") }
    }
}
