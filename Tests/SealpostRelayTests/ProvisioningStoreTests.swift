import Foundation
import Testing
import SealpostCrypto
import SealpostTestSupport
@testable import SealpostRelay

@Suite("Provisioning channels")
struct ProvisioningStoreTests {
    @Test func slotsAreWriteOnceAndExpire() throws {
        let store = ProvisioningStore()
        let channel = SecureRandom.bytes(count: 16), start = ContinuousClock.now
        #expect(try store.get(channel: channel, slot: 1, now: start) == nil)
        try store.put(channel: channel, slot: 1, body: [1, 2], now: start)
        #expect(try store.get(channel: channel, slot: 1, now: start) == [1, 2])
        #expect(throws: RelayError.self) { try store.put(channel: channel, slot: 1, body: [3], now: start) }
        #expect(try store.get(channel: channel, slot: 1, now: start) == [1, 2])
        try store.put(channel: channel, slot: 2, body: [4], now: start + .seconds(599))
        // Ten minutes after the first write the whole channel is gone.
        #expect(try store.get(channel: channel, slot: 2, now: start + .seconds(601)) == nil)
        #expect(store.count == 0)
    }

    @Test func badChannelsSlotsAndBodiesAreRefused() throws {
        let store = ProvisioningStore()
        let channel = SecureRandom.bytes(count: 16)
        #expect(throws: RelayError.notFound) { try store.put(channel: [1, 2], slot: 1, body: [1]) }
        #expect(throws: RelayError.notFound) { try store.put(channel: channel, slot: 0, body: [1]) }
        #expect(throws: RelayError.notFound) { try store.put(channel: channel, slot: 4, body: [1]) }
        #expect(throws: RelayError.notFound) { _ = try store.get(channel: channel, slot: 9) }
        #expect(throws: RelayError.self) { try store.put(channel: channel, slot: 1, body: []) }
        #expect(throws: RelayError.tooLarge) { try store.put(channel: channel, slot: 3, body: [UInt8](repeating: 0, count: ProvisioningStore.maximumSlotBytes + 1)) }
    }

    @Test func theStoreIsBoundedInChannels() throws {
        let store = ProvisioningStore()
        for _ in 0..<ProvisioningStore.capacity { try store.put(channel: SecureRandom.bytes(count: 16), slot: 1, body: [1]) }
        #expect(throws: RelayError.unavailable) { try store.put(channel: SecureRandom.bytes(count: 16), slot: 1, body: [1]) }
    }

    /// Over HTTP on a real relay: write once, read back, wait for a slot that comes later.
    @Test(.timeLimit(.minutes(1))) func theRoutesCarryTheSlots() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sealpost-provisioning-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let relay = try RelayProcess(data: folder)
        defer { relay.stop() }
        let path = "/v1/provisioning/\(Hex.encode(SecureRandom.bytes(count: 16)))"
        #expect(try await relay.request("GET", path + "/1").status == 404)
        #expect(try await relay.request("PUT", path + "/1", body: [7, 7]).status == 201)
        #expect(try await relay.request("PUT", path + "/1", body: [8]).status == 409)
        let read = try await relay.request("GET", path + "/1")
        #expect(read.status == 200 && read.body == [7, 7])
        #expect(try await relay.request("PUT", "/v1/provisioning/abcd/1", body: [1]).status == 404)
        #expect(try await relay.request("PUT", path + "/5", body: [1]).status == 404)
        async let waited = relay.request("GET", path + "/2?wait=5")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await relay.request("PUT", path + "/2", body: [9]).status == 201)
        let answer = try await waited
        #expect(answer.status == 200 && answer.body == [9])
    }
}
