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

    /// Every metric, registered.
    public init() {
        uploads = registry.makeCounter(name: "sealpost_uploads_total", help: "Sealed uploads accepted.")
        envelopesAccepted = registry.makeCounter(name: "sealpost_envelopes_accepted_total", help: "Envelopes stored durably (one per recipient device).")
        envelopesDelivered = registry.makeCounter(name: "sealpost_envelopes_pushed_total", help: "Envelopes sent to devices (WebSocket pushes and HTTP fetches, redeliveries included).")
        envelopesAcknowledged = registry.makeCounter(name: "sealpost_acknowledgements_total", help: "Sequence numbers acknowledged by devices.")
        expired = registry.makeCounter(name: "sealpost_envelopes_expired_total", help: "Envelopes deleted unread after the retention.")
        bundles = registry.makeCounter(name: "sealpost_bundles_served_total", help: "Prekey bundles handed out.")
        certificates = registry.makeCounter(name: "sealpost_sender_certificates_issued_total", help: "Sender certificates issued.")
        receivers = registry.makeGauge(name: "sealpost_receivers_connected", help: "Devices connected over the WebSocket.")
        registrations = registry.makeCounter(name: "sealpost_device_registrations_total", help: "Device registrations accepted.")
    }

    /// Counts a refused request by its error code.
    func refused(_ error: RelayError) {
        registry.makeCounter(name: "sealpost_requests_refused_total", labels: [("code", error.code)], help: "Requests refused, by error code.").increment()
    }

    /// The text exposition format.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
