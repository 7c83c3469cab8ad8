import Foundation

/// Where the Wycheproof files are, and whether their absence is an error.
///
/// - `SEALPOST_WYCHEPROOF_DIR` set: that folder must exist and hold every suite's file, or the
///   run fails (CI sets it, so a missing folder can never pass silently).
/// - unset: the default folder (`../shared/wycheproof` beside the checkout) is used if present;
///   if it is absent — a user's fresh clone — the suites report themselves skipped.
public enum WycheproofLocation: Sendable, Equatable {
    /// Run the suites from this folder.
    case directory(URL)
    /// The variable names a folder that is missing or incomplete: a failure.
    case misconfigured(String)
    /// The variable is unset and the default folder is absent: skip, loudly.
    case absent(defaultPath: String)

    /// Resolves the location from the environment, with `defaultDirectory` as the fallback.
    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment, defaultDirectory: URL
    ) -> WycheproofLocation {
        if let configured = environment[WycheproofSuite.environmentVariable] {
            let url = URL(fileURLWithPath: configured)
            let missing = WycheproofSuite.allCases.filter {
                !FileManager.default.fileExists(atPath: url.appendingPathComponent($0.rawValue).path)
            }
            guard missing.count < WycheproofSuite.allCases.count else {
                return .misconfigured("\(WycheproofSuite.environmentVariable)=\(configured) holds none of the Wycheproof files")
            }
            guard missing.isEmpty else {
                return .misconfigured(
                    "\(WycheproofSuite.environmentVariable)=\(configured) lacks \(missing.map(\.rawValue).joined(separator: ", "))")
            }
            return .directory(url)
        }
        let present = WycheproofSuite.allCases.allSatisfy {
            FileManager.default.fileExists(atPath: defaultDirectory.appendingPathComponent($0.rawValue).path)
        }
        return present ? .directory(defaultDirectory) : .absent(defaultPath: defaultDirectory.path)
    }
}
