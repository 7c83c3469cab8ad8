internal import CSodium

/// The one gate to libsodium: every backend call goes through ``Sodium/ensureReady()`` first.
///
/// `sodium_init()` is idempotent and thread-safe in libsodium itself, but calling it on every
/// primitive would cost a lock; a Swift global initializer runs exactly once, lazily and
/// thread-safely, so `ready` does the work once per process.
enum Sodium {
    private static let ready: Bool = sodium_init() >= 0

    /// Makes sure `sodium_init()` has run. libsodium only fails to initialize when the process
    /// cannot read the system's random source at all, which no input can cause and no caller can
    /// recover from, so this traps with a clear message rather than returning an error from every
    /// primitive.
    @inline(__always)
    static func ensureReady() {
        precondition(ready, "libsodium could not be initialized: sodium_init() returned -1 (no usable system random source)")
    }

    /// The libsodium version string, for diagnostics.
    static var versionString: String {
        ensureReady()
        return String(cString: sodium_version_string())
    }
}
