import ArgumentParser
import Foundation
import SealpostVectors

/// `sealpost-vectors`: checks Sealpost's test vectors, for auditors and CI.
@main
struct SealpostVectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sealpost-vectors",
        abstract: "Check Sealpost's test vectors against this build.",
        discussion: "The vector format is specified in Spec/vectors.md, so the same files can be checked by an independent implementation.",
        subcommands: [Verify.self, Wycheproof.self, Generate.self],
        defaultSubcommand: Verify.self
    )
}

extension SealpostVectorsCommand {
    /// `verify [PATH]`: every vector file under `Vectors/`, or the file or folder given.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify vector files: one line per file, then 'N passed, N failed'.")

        @Argument(help: "A vector file, or a folder searched for .json files.")
        var path: String = "Vectors"

        @Flag(name: .shortAndLong, help: "Print every failing test's reason.")
        var verbose = false

        func run() throws {
            let files: [URL]
            do {
                files = try VectorVerifier.vectorFiles(at: URL(fileURLWithPath: path))
            } catch {
                throw ValidationError(error.description)
            }
            let reports = files.map { VectorVerifier.verifyFile(at: $0) }
            try Report.print(reports, verbose: verbose)
        }
    }

    /// `wycheproof [DIR]`: Project Wycheproof's edge cases through Sealpost's primitives.
    struct Wycheproof: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run Project Wycheproof's suites (read in place) through Sealpost's primitives.")

        @Argument(help: "The folder holding the Wycheproof files (default: $SEALPOST_WYCHEPROOF_DIR, else ../shared/wycheproof).")
        var directory: String?

        @Flag(name: .shortAndLong, help: "Print every failing test's reason.")
        var verbose = false

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let chosen = directory ?? environment[WycheproofSuite.environmentVariable] ?? "../shared/wycheproof"
            let url = URL(fileURLWithPath: chosen)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ValidationError("no Wycheproof folder at \(url.path)")
            }
            try Report.print(WycheproofSuite.allCases.map { $0.run(in: url) }, verbose: verbose)
        }
    }
}

extension SealpostVectorsCommand {
    /// `generate [DIR]`: rewrites the vectors of Sealpost's own constructions.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Regenerate the identity and handshake vectors (every random value written out; ML-KEM ciphertexts reused).")

        @Argument(help: "The vectors folder.")
        var directory: String = "Vectors"

        func run() throws {
            let url = URL(fileURLWithPath: directory)
            for written in try VectorGenerator.generate(into: url) {
                Swift.print("wrote \(Report.displayPath(written.path))")
            }
            let reports = VectorGenerator.files.map { VectorVerifier.verifyFile(at: url.appendingPathComponent($0)) }
            try Report.print(reports, verbose: true)
        }
    }
}

/// Prints reports as the CLI's output: one line per file, failures, and the closing count.
enum Report {
    /// The path relative to the working directory when it lies below it.
    static func displayPath(_ path: String) -> String {
        let base = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }

    static func print(_ reports: [FileReport], verbose: Bool) throws {
        var passed = 0
        var failed = 0
        var skipped = 0
        for report in reports {
            if let formatError = report.formatError {
                failed += 1
                Swift.print("FAIL \(displayPath(report.path)): \(formatError)")
                continue
            }
            passed += report.passed.count
            failed += report.failures.count
            skipped += report.skipped.count
            let status = report.succeeded ? "ok  " : "FAIL"
            let extra = report.skipped.isEmpty ? "" : ", \(report.skipped.count) skipped"
            Swift.print("\(status) \(displayPath(report.path)) (\(report.algorithm ?? "?")): \(report.passed.count) passed, \(report.failures.count) failed\(extra)")
            let shown = verbose ? report.failures : Array(report.failures.prefix(5))
            for failure in shown {
                Swift.print("     tcId \(failure.id): \(failure.reason)")
            }
            if shown.count < report.failures.count {
                Swift.print("     … \(report.failures.count - shown.count) more (use --verbose)")
            }
        }
        Swift.print("\(passed) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped" : ""))
        if failed > 0 { throw ExitCode.failure }
    }
}
