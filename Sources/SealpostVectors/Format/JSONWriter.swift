/// Writes vector files: two-space indentation, a fixed order for the format's own keys, the other
/// keys sorted, so that regenerating unchanged vectors gives byte-identical files.
enum JSONWriter {
    static let leadingKeys = [
        "schema", "algorithm", "source", "reference", "notes", "numberOfTests", "tcId", "type", "comment", "section", "flags", "result", "error",
    ]

    static func write(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        out += "\n"
        return out
    }

    private static func write(_ value: JSONValue, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        let inner = String(repeating: " ", count: indent + 2)
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let number):
            if let integer = Int(exactly: number) { out += String(integer) } else { out += String(number) }
        case .string(let text): out += quote(text)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            if items.allSatisfy({ if case .object = $0 { false } else if case .array = $0 { false } else { true } }) {
                out += "[" + items.map { item in var s = ""; write(item, indent: 0, into: &s); return s }.joined(separator: ", ") + "]"
                return
            }
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += inner
                write(item, indent: indent + 2, into: &out)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += pad + "]"
        case .object(let object):
            if object.isEmpty { out += "{}"; return }
            let keys = leadingKeys.filter { object[$0] != nil } + object.keys.filter { !leadingKeys.contains($0) }.sorted()
            out += "{\n"
            for (index, key) in keys.enumerated() {
                out += inner + quote(key) + ": "
                write(object[key]!, indent: indent + 2, into: &out)
                out += index == keys.count - 1 ? "\n" : ",\n"
            }
            out += pad + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

import Foundation
