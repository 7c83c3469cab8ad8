import Foundation
import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

// `vault-bench`: the vault's figures (`Benchmarks/RESULTS.md`, "Vault"), in release mode:
// opening with the default parameters, records written and read per second (200-byte messages,
// one transaction per message, as received), and listing a conversation of 10 000 messages.

func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sealpost-vault-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let path = folder.appendingPathComponent("vault.sqlite").path

let createStart = ContinuousClock.now
try Vault.create(at: path, passphrase: "a passphrase", parameters: .phone).close()
print(String(format: "create (phone: t=3, m=64 MiB)        %8.1f ms", seconds(ContinuousClock.now - createStart) * 1000))
var opens: [Double] = []
for _ in 0..<5 {
    let start = ContinuousClock.now
    try Vault.open(at: path, passphrase: "a passphrase").close()
    opens.append(seconds(ContinuousClock.now - start) * 1000)
}
print(String(format: "open (phone), median of 5            %8.1f ms", opens.sorted()[2]))

let vault = try Vault.open(at: path, passphrase: "a passphrase")
let contact = AccountID.random()
let body = SecretBytes(copying: [UInt8](repeating: 0x61, count: 200))
let count = 10_000
var ids: [RecordID] = []
let writeStart = ContinuousClock.now
for index in 0..<count {
    let id = RecordID.random()
    ids.append(id)
    try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
        try tx.put(body, table: "message", id: id, lookup: contact.rawRepresentation, ordering: Int64(index))
    }
}
let writeSeconds = seconds(ContinuousClock.now - writeStart)
print(String(format: "write 200 B records, one transaction each (fsync)  %8.0f /s", Double(count) / writeSeconds))
let readStart = ContinuousClock.now
for id in ids.shuffled() { _ = try vault.read(table: "message", id: id) }
print(String(format: "read 200 B records by id            %8.0f /s", Double(count) / seconds(ContinuousClock.now - readStart)))
let listStart = ContinuousClock.now
let listed = try vault.records(table: "message", lookup: contact.rawRepresentation)
print(String(format: "list and decrypt a conversation of %d messages  %8.1f ms", listed.count, seconds(ContinuousClock.now - listStart) * 1000))
try vault.close()
