import Foundation
import Testing
import SealpostVectors

/// Project Wycheproof's edge cases, run through Sealpost's primitives from the files in place.
///
/// `SEALPOST_WYCHEPROOF_DIR` set (CI sets it): the folder must hold every file, or these tests
/// fail. Unset, with `../shared/wycheproof` absent (a user's fresh clone): they are skipped and
/// say so.
@Suite("Wycheproof")
struct WycheproofTests {
    static let location = WycheproofLocation.resolve(defaultDirectory: RepositoryPaths.defaultWycheproof)

    static var isAbsent: Bool {
        if case .absent(let path) = location {
            print("⚠️  SKIPPING WYCHEPROOF: no \(WycheproofSuite.environmentVariable) and no folder at \(path). Set the variable to run Project Wycheproof's edge cases.")
            return true
        }
        return false
    }

    @Test func theFolderIsConfiguredCorrectly() {
        if case .misconfigured(let reason) = Self.location {
            Issue.record(Comment(rawValue: reason))
        }
    }

    @Test(.disabled(if: isAbsent, "Wycheproof files not found; set SEALPOST_WYCHEPROOF_DIR"), arguments: WycheproofSuite.allCases)
    func suite(_ suite: WycheproofSuite) throws {
        guard case .directory(let directory) = Self.location else { return }
        let report = suite.run(in: directory)
        #expect(report.formatError == nil, "\(suite.rawValue): \(report.formatError ?? "")")
        for failure in report.failures {
            Issue.record("\(suite.rawValue) tcId \(failure.id): \(failure.reason)")
        }
        #expect(report.skipped.isEmpty)
        // run(in:) fails the file unless every declared case ran; none may be skipped or fail.
        #expect(report.passed.count > 50, "\(suite.rawValue) ran only \(report.passed.count) cases")
    }

    @Test func aVariableNamingAMissingFolderIsAFailureNotASkip() {
        let location = WycheproofLocation.resolve(
            environment: [WycheproofSuite.environmentVariable: "/nonexistent/wycheproof"],
            defaultDirectory: RepositoryPaths.defaultWycheproof)
        guard case .misconfigured = location else {
            Issue.record("expected misconfigured, got \(location)")
            return
        }
    }

    @Test func anUnsetVariableWithNoDefaultFolderIsASkip() {
        let location = WycheproofLocation.resolve(environment: [:], defaultDirectory: URL(fileURLWithPath: "/nonexistent/wycheproof"))
        #expect(location == .absent(defaultPath: "/nonexistent/wycheproof"))
    }
}
