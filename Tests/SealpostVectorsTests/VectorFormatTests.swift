import Foundation
import Testing
import SealpostVectors

/// The vector format is parsed strictly, and the verifier really compares outputs.
@Suite("Vector format")
struct VectorFormatTests {
    static func file(
        schema: String = "sealpost-vectors-v1", count: Int = 1, notes: String = #"{"Ktv": "known answer"}"#, tests: String
    ) -> Data {
        Data("""
        {"schema": "\(schema)", "algorithm": "SHA-256", "source": "FIPS 180-4", "reference": "x",
         "notes": \(notes), "numberOfTests": \(count),
         "testGroups": [{"type": "sha256", "comment": "", "tests": [\(tests)]}]}
        """.utf8)
    }

    static let abc = #"{"tcId": 1, "comment": "abc", "section": "B.1", "flags": ["Ktv"], "result": "valid", "message": "616263", "digest": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}"#

    @Test func aWellFormedFileVerifies() throws {
        let report = VectorVerifier.verify(try VectorFile(data: Self.file(tests: Self.abc)), path: "inline")
        #expect(report.succeeded)
        #expect(report.passed == [1])
    }

    @Test func aWrongExpectedValueFails() throws {
        let wrong = Self.abc.replacingOccurrences(of: "ba7816bf", with: "ba7816be")
        let report = VectorVerifier.verify(try VectorFile(data: Self.file(tests: wrong)), path: "inline")
        #expect(!report.succeeded)
        #expect(report.failures.first?.reason.contains("digest") == true)
    }

    @Test func anInvalidVectorMustFailForItsStatedReason() throws {
        // An AEAD vector whose tag is wrong must be rejected as authenticationFailed; naming
        // another code makes the vector fail.
        let base = #"{"tcId": 1, "comment": "", "section": "", "flags": [], "result": "invalid", "error": "ERROR", "key": "0000000000000000000000000000000000000000000000000000000000000000", "nonce": "000000000000000000000000", "aad": "", "ciphertext": "", "tag": "00000000000000000000000000000000"}"#
        func run(_ error: String) throws -> FileReport {
            let json = """
            {"schema": "sealpost-vectors-v1", "algorithm": "ChaCha20-Poly1305", "source": "test", "reference": "x", "numberOfTests": 1,
             "testGroups": [{"type": "aead", "algorithm": "ChaCha20-Poly1305", "comment": "", "tests": [\(base.replacingOccurrences(of: "ERROR", with: error))]}]}
            """
            return VectorVerifier.verify(try VectorFile(data: Data(json.utf8)), path: "inline")
        }
        #expect(try run("authenticationFailed").succeeded)
        #expect(try !run("invalidLength").succeeded)
    }

    @Test(arguments: [
        ("not json", "{"),
        ("wrong schema", String(decoding: file(schema: "other", tests: abc), as: UTF8.self)),
        ("count mismatch", String(decoding: file(count: 2, tests: abc), as: UTF8.self)),
        ("duplicate id", String(decoding: file(count: 2, tests: abc + "," + abc), as: UTF8.self)),
        ("undocumented flag", String(decoding: file(notes: "{}", tests: abc), as: UTF8.self)),
        ("bad hex", String(decoding: file(tests: abc.replacingOccurrences(of: "616263", with: "61626")), as: UTF8.self)),
        ("invalid without error", String(decoding: file(tests: abc.replacingOccurrences(of: "\"valid\"", with: "\"invalid\"")), as: UTF8.self)),
        ("valid with error", String(decoding: file(tests: abc.replacingOccurrences(of: "\"valid\"", with: "\"valid\", \"error\": \"x\"")), as: UTF8.self)),
        ("unknown result", String(decoding: file(tests: abc.replacingOccurrences(of: "\"valid\"", with: "\"acceptable\"")), as: UTF8.self)),
        ("missing section", String(decoding: file(tests: abc.replacingOccurrences(of: "\"section\": \"B.1\", ", with: "")), as: UTF8.self)),
    ])
    func malformedFilesAreRejected(name: String, json: String) {
        let data = Data(json.utf8)
        let parsed = try? VectorFile(data: data)
        if let parsed {
            // Bad hex parses structurally but must fail when checked.
            #expect(!VectorVerifier.verify(parsed, path: name).succeeded, "\(name) was accepted")
        }
    }

    @Test func anUnknownGroupTypeFails() throws {
        let json = String(decoding: Self.file(tests: Self.abc), as: UTF8.self).replacingOccurrences(of: "\"sha256\"", with: "\"sha3\"")
        let report = VectorVerifier.verify(try VectorFile(data: Data(json.utf8)), path: "inline")
        #expect(!report.succeeded)
    }

    @Test func aMissingFolderIsAnError() {
        #expect(throws: VectorLocationError.self) {
            try VectorVerifier.vectorFiles(at: URL(fileURLWithPath: "/nonexistent/sealpost-vectors"))
        }
    }
}
