import Foundation
import SealpostCrypto

/// A JSON value, decoded without a fixed schema: vector groups carry fields that depend on
/// their type, so fields are read by name with typed accessors that fail with a clear message.
public enum JSONValue: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses a whole JSON document.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }
}

/// Named fields of a JSON object, read with typed accessors.
public struct JSONFields: Sendable, Hashable {
    /// The raw fields.
    public let values: [String: JSONValue]
    /// Where these fields are, for error messages ("group 2, test 17").
    public let location: String

    /// Wraps the fields of an object.
    public init(_ values: [String: JSONValue], location: String) {
        self.values = values
        self.location = location
    }

    /// Whether the field is present.
    public func has(_ name: String) -> Bool { values[name] != nil }

    /// A string field.
    public func string(_ name: String) throws(VectorFormatError) -> String {
        guard case .string(let value)? = values[name] else { throw .missingField(name, location: location, expected: "a string") }
        return value
    }

    /// A string field that may be absent.
    public func optionalString(_ name: String) throws(VectorFormatError) -> String? {
        guard let value = values[name] else { return nil }
        guard case .string(let string) = value else { throw .missingField(name, location: location, expected: "a string") }
        return string
    }

    /// A byte-string field, hex encoded.
    public func hex(_ name: String) throws(VectorFormatError) -> [UInt8] {
        let text = try string(name)
        do {
            return try Hex.decode(text)
        } catch {
            throw .invalidHex(name, location: location, reason: error.description)
        }
    }

    /// A byte-string field that may be absent.
    public func optionalHex(_ name: String) throws(VectorFormatError) -> [UInt8]? {
        has(name) ? try hex(name) : nil
    }

    /// A whole-number field.
    public func int(_ name: String) throws(VectorFormatError) -> Int {
        guard case .number(let value)? = values[name], let integer = Int(exactly: value) else {
            throw .missingField(name, location: location, expected: "a whole number")
        }
        return integer
    }

    /// A list of whole numbers.
    public func ints(_ name: String) throws(VectorFormatError) -> [Int] {
        guard let value = values[name] else { return [] }
        guard case .array(let items) = value else { throw .missingField(name, location: location, expected: "a list of whole numbers") }
        var result: [Int] = []
        for item in items {
            guard case .number(let number) = item, let integer = Int(exactly: number) else {
                throw .missingField(name, location: location, expected: "a list of whole numbers")
            }
            result.append(integer)
        }
        return result
    }

    /// A list of hex byte strings.
    public func hexes(_ name: String) throws(VectorFormatError) -> [[UInt8]] {
        var result: [[UInt8]] = []
        for text in try strings(name) {
            do {
                result.append(try Hex.decode(text))
            } catch {
                throw .invalidHex(name, location: location, reason: error.description)
            }
        }
        return result
    }

    /// A list of strings.
    public func strings(_ name: String) throws(VectorFormatError) -> [String] {
        guard let value = values[name] else { return [] }
        guard case .array(let items) = value else { throw .missingField(name, location: location, expected: "a list of strings") }
        var result: [String] = []
        for item in items {
            guard case .string(let string) = item else { throw .missingField(name, location: location, expected: "a list of strings") }
            result.append(string)
        }
        return result
    }
}
