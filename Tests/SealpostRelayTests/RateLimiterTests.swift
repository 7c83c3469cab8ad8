import Testing
@testable import SealpostRelay

@Suite("Rate limits")
struct RateLimiterTests {
    @Test func aBurstThenTheSustainedRatePerAddress() {
        let limiter = RateLimiter(.init(burst: 3, perSecond: 1))
        let start = ContinuousClock.now
        #expect((0..<3).allSatisfy { _ in limiter.allow("192.0.2.1", now: start) })
        #expect(!limiter.allow("192.0.2.1", now: start))
        #expect(limiter.allow("192.0.2.2", now: start))  // another address has its own bucket
        #expect(limiter.allow("192.0.2.1", now: start + .seconds(1)))
        #expect(!limiter.allow("192.0.2.1", now: start + .seconds(1)))
        #expect((0..<3).allSatisfy { _ in limiter.allow("192.0.2.1", now: start + .seconds(100)) })  // refilled to the burst, no more
        #expect(!limiter.allow("192.0.2.1", now: start + .seconds(100)))
    }
}
