import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a vault, held while it is open: one process, and one ``Vault`` in it, at
/// a time (`Spec/vault.md`, "File"). Two writers deriving session state from the same records
/// would each encrypt with the same message key; the lock makes the second open fail instead.
///
/// The lock is `flock(2)` on a sibling file, `<vault>-lock` (SQLite's own locks are `fcntl` locks
/// on the database file, which `flock` does not touch). The kernel releases it when the process
/// dies, so a crash never leaves a vault locked.
final class VaultLock: Sendable {
    /// The lock file's descriptor while the lock is held.
    private let descriptor: Mutex<Int32?>

    /// Takes the lock, or throws ``VaultError/inUse`` at once if another holder has it.
    init(vaultPath: String) throws(VaultError) {
        let descriptor = open(vaultPath + "-lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .storage("cannot open the vault's lock file (errno \(errno))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { throw .inUse }
            throw .storage("cannot lock the vault (errno \(code))")
        }
        self.descriptor = Mutex(descriptor)
    }

    /// Releases the lock (once: later calls do nothing).
    func release() {
        descriptor.withLock { held in
            guard let descriptor = held else { return }
            flock(descriptor, LOCK_UN)
            close(descriptor)
            held = nil
        }
    }

    /// The last vault sharing the lock is gone (a passphrase change hands it to the new one).
    deinit { release() }
}
