/// Why the relay refused a request (`Spec/relay.md`, "Errors"): an HTTP status and a stable,
/// machine-readable code. Messages never carry envelope contents, keys, credentials or user
/// identifiers.
public struct RelayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status.
    public let status: Int
    /// The code clients branch on.
    public let code: String
    /// A sentence for a person.
    public let message: String
    /// Extra bytes for the client (the device lists of a `staleDevices` answer), or empty.
    public let details: [UInt8]

    /// An error.
    public init(status: Int, code: String, message: String, details: [UInt8] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    /// `code (status): message`.
    public var description: String { "\(code) (\(status)): \(message)" }

    /// 400: the body does not parse (the wire error's sentence says where).
    public static func malformed(_ what: String) -> RelayError { RelayError(status: 400, code: "malformed", message: what) }
    /// 401: missing or wrong credentials, an unknown recipient, or a wrong access key — one
    /// answer for all, so the unauthenticated path is no account-existence oracle.
    public static let unauthorized = RelayError(status: 401, code: "unauthorized", message: "not authorized")
    /// 403: a signature in the request does not verify.
    public static let forbidden = RelayError(status: 403, code: "forbidden", message: "a signature does not verify")
    /// 404: nothing there.
    public static let notFound = RelayError(status: 404, code: "notFound", message: "not found")
    /// 409: the request conflicts with what is stored (an old device list, a taken device).
    public static func conflict(_ what: String) -> RelayError { RelayError(status: 409, code: "conflict", message: what) }
    /// 409: another device list of the stored version is stored (the first stored wins; sign one
    /// version above it).
    public static let deviceListConflict = RelayError(status: 409, code: "deviceListConflict", message: "the account has another device list of this version")
    /// 413: the body is larger than the relay accepts.
    public static let tooLarge = RelayError(status: 413, code: "tooLarge", message: "request body too large")
    /// 507: a recipient's mailbox is full.
    public static let mailboxFull = RelayError(status: 507, code: "mailboxFull", message: "a recipient's mailbox is full")
    /// 429: the network address is over a rate limit; retry later.
    public static let rateLimited = RelayError(status: 429, code: "rateLimited", message: "too many requests, retry later")
    /// 503: the store failed; nothing was stored, retry later.
    public static let unavailable = RelayError(status: 503, code: "unavailable", message: "storage unavailable, retry later")
}
