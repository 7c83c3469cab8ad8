import SealpostCrypto

/// Builds one vector file in the format of `Spec/vectors.md`.
struct VectorFileBuilder {
    let algorithm: String
    let source: String
    let reference: String
    var notes: [String: String] = [:]
    private var groups: [[String: JSONValue]] = []
    private var nextID = 1

    init(algorithm: String, source: String, reference: String, notes: [String: String] = [:]) {
        self.algorithm = algorithm
        self.source = source
        self.reference = reference
        self.notes = notes
    }

    /// The fields of one test under construction.
    struct Test {
        var fields: [String: JSONValue] = [:]

        mutating func hex(_ name: String, _ bytes: [UInt8]) { fields[name] = .string(Hex.encode(bytes)) }
        mutating func hex(_ name: String, _ secret: SecretBytes) { fields[name] = .string(secret.withUnsafeBytes { Hex.encode($0) }) }
        mutating func int<I: BinaryInteger>(_ name: String, _ value: I) { fields[name] = .number(Double(value)) }
        mutating func string(_ name: String, _ value: String) { fields[name] = .string(value) }
        mutating func ints(_ name: String, _ values: [Int]) { fields[name] = .array(values.map { .number(Double($0)) }) }
        mutating func hexes(_ name: String, _ values: [[UInt8]]) { fields[name] = .array(values.map { .string(Hex.encode($0)) }) }
        mutating func flag(_ name: String) { fields[name] = .bool(true) }
        mutating func remove(_ name: String) { fields[name] = nil }
    }

    /// Adds a group of tests; each test is `(comment, section, flags, error or nil, fields)`.
    mutating func group(_ type: String, comment: String, _ tests: [(String, String, [String], String?, Test)]) {
        var values: [JSONValue] = []
        for (testComment, section, flags, error, test) in tests {
            var fields = test.fields
            fields["tcId"] = .number(Double(nextID))
            fields["comment"] = .string(testComment)
            fields["section"] = .string(section)
            fields["flags"] = .array(flags.map { .string($0) })
            fields["result"] = .string(error == nil ? "valid" : "invalid")
            if let error { fields["error"] = .string(error) }
            values.append(.object(fields))
            nextID += 1
        }
        groups.append(["type": .string(type), "comment": .string(comment), "tests": .array(values)])
    }

    var json: String {
        JSONWriter.write(.object([
            "schema": .string(VectorFile.schema),
            "algorithm": .string(algorithm),
            "source": .string(source),
            "reference": .string(reference),
            "notes": .object(notes.mapValues { .string($0) }),
            "numberOfTests": .number(Double(nextID - 1)),
            "testGroups": .array(groups.map { .object($0) }),
        ]))
    }
}

/// Deterministic stand-ins for random values, so regenerating gives the same files. Every value
/// derived here is written out in full in the vector file; nobody needs this derivation to check
/// a vector.
enum VectorSeeds {
    static func bytes(_ label: String, _ count: Int = 32) -> [UInt8] {
        // A fixed input and a label: constant lengths far below HKDF's limit, so this cannot fail.
        let okm = try? HKDFSHA256.deriveKey(
            inputKeyMaterial: SecretBytes(copying: Array("sealpost-vectors/v1".utf8)), salt: [], info: Array(label.utf8), outputByteCount: count)
        return okm?.withUnsafeBytes { Array($0) } ?? []
    }
}
