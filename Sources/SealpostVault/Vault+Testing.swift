import Foundation
import GRDB

/// Direct writes to a vault file's header, for tests that tamper with it (`@_spi(Testing)`).
@_spi(Testing) public enum SQLiteWriter {
    /// Replaces the stored header bytes, as an attacker with the file could.
    public static func replaceHeader(_ bytes: [UInt8], at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "UPDATE vault_header SET header = ? WHERE id = 1", arguments: [Data(bytes)]) }
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
    }
}
