import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lines for a person, or JSON objects (one per line) for scripts.
struct Output {
    let json: Bool

    /// Writes `text` for a person, or `fields` as one JSON object.
    func emit(_ text: String, _ fields: [String: Any]) {
        if json {
            let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
            Self.write(String(decoding: data, as: UTF8.self))
        } else {
            Self.write(text)
        }
    }

    /// A progress note for a person (omitted in JSON mode, written to standard error).
    func progress(_ text: String) {
        guard !json else { return }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Writes a line to standard output at once.
    static func write(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// `2026-11-24 23:59:01` (UTC).
    static func time(_ seconds: UInt64) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// The terminal.
enum Terminal {
    /// Reads a line without echoing it (a passphrase); `nil` at end of input.
    static func readSecret(_ prompt: String) -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        var original = termios()
        let isTerminal = tcgetattr(STDIN_FILENO, &original) == 0
        if isTerminal {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        defer {
            if isTerminal {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        return readLine(strippingNewline: true)
    }

    /// A secret from the environment variable `variable` (for scripts), or typed after `prompt`
    /// without echo; `what` names it in the error when there is neither.
    static func secret(_ variable: String, prompt: String, what: String) throws -> String {
        if let value = ProcessInfo.processInfo.environment[variable] { return value }
        guard let typed = readSecret(prompt), !typed.isEmpty else { throw CLIError("no \(what) (set \(variable) for scripts)") }
        return typed
    }
}
