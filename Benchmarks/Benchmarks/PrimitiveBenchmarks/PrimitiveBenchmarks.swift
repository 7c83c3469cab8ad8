import Benchmark
import PrimitiveWorkloads

/// Each primitive through SealpostCrypto, beside the direct call it wraps.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 20_000
    )
    for workload in Workloads.all {
        Benchmark("\(workload.name) sealpost") { benchmark in
            for _ in benchmark.scaledIterations { workload.wrapper() }
        }
        Benchmark("\(workload.name) direct") { benchmark in
            for _ in benchmark.scaledIterations { workload.direct() }
        }
    }
}
