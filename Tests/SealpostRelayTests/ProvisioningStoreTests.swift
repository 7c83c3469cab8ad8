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
        let (one, two) = ([UInt8](repeating: 1, count: 33), [UInt8](repeating: 2, count: 49))
        #expect(try store.get(channel: channel, slot: 1, now: start) == nil)
        // A channel opens with slot 1; the package follows the request.
        #expect(throws: RelayError.self) { try store.put(channel: channel, slot: 2, body: two, now: start) }
        try store.put(channel: channel, slot: 1, body: one, now: start)
        #expect(try store.get(channel: channel, slot: 1, now: start) == one)
        #expect(throws: RelayError.self) { try store.put(channel: channel, slot: 1, body: one, now: start) }
        #expect(throws: RelayError.self) { try store.put(channel: channel, slot: 3, body: [3], now: start) }
        #expect(try store.get(channel: channel, slot: 1, now: start) == one)
        try store.put(channel: channel, slot: 2, body: two, now: start + .seconds(599))
        try store.put(channel: channel, slot: 3, body: [3, 3, 3], now: start + .seconds(599))
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
        #expect(throws: RelayError.self) { try store.put(channel: channel, slot: 1, body: [UInt8](repeating: 0, count: 34)) }
        #expect(throws: RelayError.tooLarge) { try store.put(channel: channel, slot: 3, body: [UInt8](repeating: 0, count: ProvisioningStore.maximumSlotBytes + 1)) }
    }

    @Test func theStoreIsBoundedInChannels() throws {
        let store = ProvisioningStore()
        let one = [UInt8](repeating: 1, count: 33)
        for _ in 0..<ProvisioningStore.capacity { try store.put(channel: SecureRandom.bytes(count: 16), slot: 1, body: one) }
        #expect(throws: RelayError.unavailable) { try store.put(channel: SecureRandom.bytes(count: 16), slot: 1, body: one) }
    }

    /// One network address cannot fill the store with packages.
    @Test func oneAddressHasAByteBudget() throws {
        let store = ProvisioningStore()
        let package = [UInt8](repeating: 3, count: ProvisioningStore.maximumSlotBytes)
        func fill(_ peer: String) throws {
            let channel = SecureRandom.bytes(count: 16)
            try store.put(channel: channel, slot: 1, body: [UInt8](repeating: 1, count: 33), peer: peer)
            try store.put(channel: channel, slot: 2, body: [UInt8](repeating: 2, count: 49), peer: peer)
            try store.put(channel: channel, slot: 3, body: package, peer: peer)
        }
        for _ in 0..<3 { try fill("192.0.2.1") }
        #expect(throws: RelayError.rateLimited) { try fill("192.0.2.1") }
        try fill("192.0.2.2")
    }

    /// Over HTTP on a real relay: write once, read back, wait for a slot that comes later.
    @Test(.timeLimit(.minutes(1))) func theRoutesCarryTheSlots() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sealpost-provisioning-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let relay = try RelayProcess(data: folder)
        defer { relay.stop() }
        let path = "/v1/provisioning/\(Hex.encode(SecureRandom.bytes(count: 16)))"
        #expect(try await relay.request("GET", path + "/1").status == 404)
        let (one, two) = ([UInt8](repeating: 7, count: 33), [UInt8](repeating: 9, count: 49))
        #expect(try await relay.request("PUT", path + "/1", body: one).status == 201)
        #expect(try await relay.request("PUT", path + "/1", body: one).status == 409)
        let read = try await relay.request("GET", path + "/1")
        #expect(read.status == 200 && read.body == one)
        #expect(try await relay.request("PUT", "/v1/provisioning/abcd/1", body: one).status == 404)
        #expect(try await relay.request("PUT", path + "/5", body: [1]).status == 404)
        #expect(try await relay.request("PUT", path + "/2", body: [1]).status == 400)
        async let waited = relay.request("GET", path + "/2?wait=5")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await relay.request("PUT", path + "/2", body: two).status == 201)
        let answer = try await waited
        #expect(answer.status == 200 && answer.body == two)
    }
}
