import Prometheus

/// The relay's Prometheus metrics (`Spec/relay.md`, "Metrics"). No metric has a per-user label:
/// labels are error codes and nothing else.
public final class RelayMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry = PrometheusCollectorRegistry()
    let uploads: Counter
    let envelopesAccepted: Counter
    let envelopesAcknowledged: Counter
    let envelopesDelivered: Counter
    let expired: Counter
    let bundles: Counter
    let certificates: Counter
    let receivers: Gauge
    let registrations: Counter
    let commits: Gauge
    let committedOperations: Gauge

    /// Every metric, registered.
    public init() {
        uploads = registry.makeCounter(descriptor: .init(namespace: "sealpost", metricName: "uploads", unitName: "total", helpText: "Sealed uploads accepted."))
        envelopesAccepted = registry.makeCounter(descriptor: .init(namespace: "sealpost", metricName: "envelopes_accepted", unitName: "total", helpText: "Envelopes stored durably (one per recipient device)."))
        envelopesDelivered = registry.makeCounter(descriptor: .init(namespace: "sealpost", metricName: "envelopes_pushed", unitName: "total", helpText: "Envelopes sent to devices (WebSocket pushes and HTTP fetches, redeliveries included)."))
        envelopesAcknowledged = registry.makeCounter(descriptor: .init(namespace: "sealpost", metricName: "acknowledgements", unitName: "total", helpText: "Sequence numbers acknowledged by devices."))
        expired = registry.makeCounter(descriptor: .init(namespace: "sealpost", metricName: "envelopes_expired", unitName: "total", helpText: "Envelopes deleted unread after the retention."))
        bundles = registry.makeCounter(descriptor: .init(namespace: "sealpost", metricName: "bundles_served", unitName: "total", helpText: "Prekey bundles handed out."))
        certificates = registry.makeCounter(descriptor: .init(namespace: "sealpost", metricName: "sender_certificates_issued", unitName: "total", helpText: "Sender certificates issued."))
        receivers = registry.makeGauge(descriptor: .init(namespace: "sealpost", metricName: "receivers", unitName: "connected", helpText: "Devices connected over the WebSocket."))
        registrations = registry.makeCounter(descriptor: .init(namespace: "sealpost", metricName: "device_registrations", unitName: "total", helpText: "Device registrations accepted."))
        commits = registry.makeGauge(descriptor: .init(namespace: "sealpost", metricName: "mailbox_commits", unitName: "total", helpText: "Mailbox write transactions committed (each one fsync)."))
        committedOperations = registry.makeGauge(descriptor: .init(namespace: "sealpost", metricName: "mailbox_committed_operations", unitName: "total", helpText: "Deposits and acknowledgements those transactions carried (group commit)."))
    }

    /// Counts a refused request by its error code.
    func refused(_ error: RelayError) {
        registry.makeCounter(
            descriptor: .init(namespace: "sealpost", metricName: "requests_refused", unitName: "total", helpText: "Requests refused, by error code."),
            labels: [("code", error.code)]
        ).increment()
    }

    /// The text exposition format.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
