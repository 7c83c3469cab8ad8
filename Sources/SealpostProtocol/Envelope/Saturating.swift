extension UInt64 {
    /// `self + other`, or `UInt64.max` where that overflows: a time plus a period never wraps
    /// around to the past, whatever a peer or a relay put in a timestamp.
    func saturatingAdd(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
