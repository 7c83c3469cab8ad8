internal import CSodium

/// The single storage class for secret bytes in Sealpost.
///
/// One heap allocation holds the header (the byte count) and the bytes themselves, so creating a
/// secret costs exactly one `malloc`. The bytes are written once, in the initializer, and never
/// change afterwards, which is what makes ``SecretBytes``' `@unchecked Sendable` sound. `deinit` wipes them
/// with `sodium_memzero`, which the compiler may not optimize away.
final class SecretStorage: ManagedBuffer<Int, UInt8> {
    /// Allocates `count` bytes and lets `initializer` write every one of them.
    ///
    /// If `initializer` throws, the partly written bytes are wiped before the storage is freed.
    static func make(
        count: Int,
        initializer: (UnsafeMutableRawBufferPointer) throws -> Void
    ) rethrows -> SecretStorage {
        precondition(count >= 0, "a secret cannot have a negative length")
        let buffer = SecretStorage.create(minimumCapacity: count) { _ in count }
        let storage = unsafeDowncast(buffer, to: SecretStorage.self)
        try storage.withUnsafeMutablePointerToElements { elements in
            let raw = UnsafeMutableRawBufferPointer(start: elements, count: count)
            // Start from zeros so that a throwing initializer never leaves garbage behind.
            if count > 0 { sodium_memzero(elements, count) }
            try initializer(raw)
        }
        return storage
    }

    /// The number of secret bytes.
    var count: Int { header }

    /// Calls `body` with a read-only view of the bytes.
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeMutablePointers { header, elements in
            try body(UnsafeRawBufferPointer(start: elements, count: header.pointee))
        }
    }

    /// Compares two secrets in time that depends only on their lengths.
    func constantTimeEquals(_ other: SecretStorage) -> Bool {
        guard count == other.count else { return false }
        if count == 0 { return true }
        return withBytes { mine in
            other.withBytes { theirs in
                sodium_memcmp(mine.baseAddress!, theirs.baseAddress!, count) == 0
            }
        }
    }

    /// Compares the secret with public bytes in time that depends only on the lengths.
    func constantTimeEquals(_ other: UnsafeRawBufferPointer) -> Bool {
        guard count == other.count else { return false }
        if count == 0 { return true }
        return withBytes { mine in sodium_memcmp(mine.baseAddress!, other.baseAddress!, count) == 0 }
    }

    deinit {
        withUnsafeMutablePointers { header, elements in
            if header.pointee > 0 { sodium_memzero(elements, header.pointee) }
        }
    }
}

/// Wipes a temporary buffer that held secret bytes.
func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    sodium_memzero(base, buffer.count)
}

/// Wipes a temporary array that held secret bytes. Only the array's current buffer is wiped:
/// copies Swift made earlier (on a write to a shared array) are out of reach, so callers keep
/// such arrays unshared and short-lived.
func wipe(_ array: inout [UInt8]) {
    array.withUnsafeMutableBytes { wipe($0) }
}

/// A pointer to one zero byte, handed to C functions whose input pointers are non-null even when
/// the length is zero (libsodium annotates them so). Read-only: it is never handed out as an
/// output pointer, which is what makes sharing it between threads sound.
nonisolated(unsafe) private let emptyInput: UnsafePointer<UInt8> = {
    let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return UnsafePointer(pointer)
}()

extension Array where Element == UInt8 {
    /// Calls `body` with a non-null pointer to the bytes (to a zero byte when empty) and the count.
    @inline(__always)
    func withCBytes<R>(_ body: (UnsafePointer<UInt8>, Int) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { buffer in
            try body(buffer.baseAddress ?? emptyInput, buffer.count)
        }
    }
}

extension UnsafeRawBufferPointer {
    /// A non-null byte pointer to the buffer (to a zero byte when empty).
    var cBytes: UnsafePointer<UInt8> {
        baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyInput
    }
}
