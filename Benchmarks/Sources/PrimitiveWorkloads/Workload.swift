/// One measured operation: the same work through Sealpost's wrapper and as the direct call.
public struct Workload: Sendable {
    /// A stable name, used by the benchmark and by `primitive-loop`.
    public let name: String
    /// The operation through `SealpostCrypto`.
    public let wrapper: @Sendable () -> Void
    /// The library call it wraps, made directly (the floor).
    public let direct: @Sendable () -> Void

    public init(name: String, wrapper: @escaping @Sendable () -> Void, direct: @escaping @Sendable () -> Void) {
        self.name = name
        self.wrapper = wrapper
        self.direct = direct
    }
}

/// Keeps the optimizer from deleting a result.
@inline(never)
public func consume<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
