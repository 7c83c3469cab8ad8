import Testing
import SealpostWire

@Suite("Byte encoding")
struct ByteReaderTests {
    @Test func integersAreBigEndian() throws {
        var writer = ByteWriter()
        writer.u8(0x01)
        writer.u16(0x0203)
        writer.u32(0x0405_0607)
        writer.u64(0x0809_0A0B_0C0D_0E0F)
        #expect(writer.bytes == Array(1...15))
        var reader = ByteReader(writer.bytes, structure: "test")
        #expect(try reader.u8() == 1)
        #expect(try reader.u16() == 0x0203)
        #expect(try reader.u32() == 0x0405_0607)
        #expect(try reader.u64() == 0x0809_0A0B_0C0D_0E0F)
        try reader.finish()
    }

    @Test func lengthPrefixesAreBoundedBeforeReading() throws {
        var writer = ByteWriter()
        writer.lp16([UInt8](repeating: 7, count: 300))
        var reader = ByteReader(writer.bytes, structure: "test")
        #expect(throws: WireError.lengthOutOfBounds(field: "f", maximum: 299, got: 300)) { try reader.lp16("f", maximum: 299) }
        // A prefix claiming more than is there is truncation, not an allocation.
        var lying = ByteReader([0xFF, 0xFF, 0xFF, 0xFF, 1, 2], structure: "test")
        #expect(throws: WireError.truncated(structure: "test", needed: Int(UInt32.max), remaining: 2)) { try lying.lp32("f", maximum: Int(UInt32.max)) }
    }

    @Test func trailingBytesAndVersionsAreChecked() throws {
        var reader = ByteReader([1, 0], structure: "thing")
        try reader.version(1)
        #expect(throws: WireError.trailingBytes(structure: "thing", count: 1)) { try reader.finish() }
        var other = ByteReader([2], structure: "thing")
        #expect(throws: WireError.unsupportedVersion(structure: "thing", version: 2)) { try other.version(1) }
        var empty = ByteReader([], structure: "thing")
        #expect(throws: WireError.truncated(structure: "thing", needed: 1, remaining: 0)) { try empty.u8() }
    }

    @Test func identifiersAreChecked() throws {
        #expect(throws: WireError.self) { try DeviceID(0) }
        #expect(throws: WireError.self) { try AccountID(rawRepresentation: [1, 2, 3]) }
        let id = AccountID.random()
        #expect(try AccountID(hex: id.description) == id)
        #expect(throws: WireError.self) { try AccountID(hex: "zz") }
    }
}
