import Foundation

/// A Sealpost vector file (`Spec/vectors.md`), parsed strictly.
///
/// The shape follows Project Wycheproof's: a file holds groups of tests; a group's `type` says
/// which operation its tests exercise and which fields they carry; every test has an id, a
/// comment, the section of its source, flags and a `valid` / `invalid` result, and an invalid test
/// names the error it must be rejected with.
public struct VectorFile: Sendable {
    /// The `schema` value this version of the format uses.
    public static let schema = "sealpost-vectors-v1"

    /// The algorithm or protocol the file covers ("X25519").
    public let algorithm: String
    /// The document the vectors come from ("RFC 7748"), or "Sealpost" for generated ones.
    public let source: String
    /// Where that document is.
    public let reference: String
    /// What each flag means.
    public let notes: [String: String]
    /// The groups, in file order.
    public let groups: [VectorGroup]

    /// Every test of every group, in file order.
    public var tests: [(group: VectorGroup, test: VectorTest)] {
        groups.flatMap { group in group.tests.map { (group, $0) } }
    }

    /// Parses and checks a vector file.
    /// - Throws: ``VectorFormatError`` naming the first problem found.
    public init(data: Data) throws(VectorFormatError) {
        let root: JSONValue
        do {
            root = try JSONValue.parse(data)
        } catch {
            throw .notJSON(String(describing: error))
        }
        guard case .object(let object) = root else { throw .notJSON("the top level is not an object") }
        let fields = JSONFields(object, location: "file")
        let schema = try fields.string("schema")
        guard schema == Self.schema else { throw .unsupportedSchema(schema) }
        algorithm = try fields.string("algorithm")
        source = try fields.string("source")
        reference = try fields.string("reference")

        var notes: [String: String] = [:]
        if case .object(let noteValues)? = object["notes"] {
            for (flag, value) in noteValues {
                guard case .string(let text) = value else { throw .missingField("notes.\(flag)", location: "file", expected: "a string") }
                notes[flag] = text
            }
        }
        self.notes = notes

        guard case .array(let groupValues)? = object["testGroups"] else {
            throw .missingField("testGroups", location: "file", expected: "a list of groups")
        }
        var groups: [VectorGroup] = []
        var seenIDs = Set<Int>()
        for (index, value) in groupValues.enumerated() {
            let group = try VectorGroup(value, index: index + 1)
            for test in group.tests {
                guard seenIDs.insert(test.id).inserted else { throw .duplicateTestID(test.id) }
                for flag in test.flags where notes[flag] == nil {
                    throw .undocumentedFlag(flag, location: "tcId \(test.id)")
                }
            }
            groups.append(group)
        }
        self.groups = groups
        let declared = try fields.int("numberOfTests")
        guard declared == seenIDs.count else { throw .wrongTestCount(declared: declared, actual: seenIDs.count) }
    }
}

/// A group of tests of one type.
public struct VectorGroup: Sendable {
    /// The operation its tests exercise ("x25519", "aead", …).
    public let type: String
    /// The group's own fields (`algorithm`, `parameterSet`, …).
    public let fields: JSONFields
    /// Its tests.
    public let tests: [VectorTest]

    init(_ value: JSONValue, index: Int) throws(VectorFormatError) {
        let location = "group \(index)"
        guard case .object(let object) = value else { throw .missingField("testGroups[\(index)]", location: "file", expected: "an object") }
        fields = JSONFields(object, location: location)
        type = try fields.string("type")
        guard case .array(let testValues)? = object["tests"] else {
            throw .missingField("tests", location: location, expected: "a list of tests")
        }
        var tests: [VectorTest] = []
        for value in testValues {
            tests.append(try VectorTest(value, groupLocation: location))
        }
        self.tests = tests
    }
}

/// One test case.
public struct VectorTest: Sendable {
    /// Whether an implementation must accept or reject the case.
    public enum Result: String, Sendable {
        /// The operation succeeds and produces exactly the listed outputs.
        case valid
        /// The operation fails with ``VectorTest/expectedError``.
        case invalid
    }

    /// The test's id, unique in its file.
    public let id: Int
    /// What the case is.
    public let comment: String
    /// Where in the source it comes from.
    public let section: String
    /// Its flags (each explained in the file's `notes`).
    public let flags: [String]
    /// Valid or invalid.
    public let result: Result
    /// For an invalid case, the error code it must be rejected with (a `CryptoError.Code` raw
    /// value, or a later layer's code).
    public let expectedError: String?
    /// All of the test's fields, for the checker of its group type.
    public let fields: JSONFields

    init(_ value: JSONValue, groupLocation: String) throws(VectorFormatError) {
        guard case .object(let object) = value else { throw .missingField("tests[]", location: groupLocation, expected: "an object") }
        let probe = JSONFields(object, location: groupLocation)
        id = try probe.int("tcId")
        let location = "tcId \(id)"
        fields = JSONFields(object, location: location)
        comment = try fields.string("comment")
        section = try fields.string("section")
        flags = try fields.strings("flags")
        let resultText = try fields.string("result")
        guard let result = Result(rawValue: resultText) else {
            throw .invalidValue("result", location: location, reason: "must be \"valid\" or \"invalid\", got \"\(resultText)\"")
        }
        self.result = result
        expectedError = try fields.optionalString("error")
        switch (result, expectedError) {
        case (.valid, .some): throw .invalidValue("error", location: location, reason: "a valid test names no error")
        case (.invalid, .none): throw .missingField("error", location: location, expected: "the error an invalid test is rejected with")
        default: break
        }
    }
}
