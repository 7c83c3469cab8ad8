internal import CSodium

extension SecureRandom {
    /// Fills `buffer` from libsodium's generator (`randombytes_buf`, backed by `getrandom(2)`).
    static func sodiumFill(_ buffer: UnsafeMutableRawBufferPointer) {
        Sodium.ensureReady()
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        randombytes_buf(base, buffer.count)
    }
}
