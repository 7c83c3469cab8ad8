// swift-tools-version: 6.1
// Sealpost's benchmarks: a package of its own so that CI never builds them.
// Run from this folder: `swift package benchmark` (release mode), and `./callgrind.sh` for
// instruction counts.
import PackageDescription

let package = Package(
    name: "SealpostBenchmarks",
    platforms: [.macOS("26.0")],
    dependencies: [
        .package(name: "Sealpost", path: ".."),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // libsodium again, under another module name, for the direct-call baselines.
        .systemLibrary(name: "CSodiumDirect", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        // Each measured operation twice: through SealpostCrypto, and as the direct C (or
        // swift-crypto) call it wraps. Shared by the benchmark and the callgrind driver.
        .target(
            name: "PrimitiveWorkloads",
            dependencies: [
                "CSodiumDirect",
                .product(name: "SealpostCrypto", package: "Sealpost"),
                .product(name: "SealpostWire", package: "Sealpost"),
                .product(name: "SealpostProtocol", package: "Sealpost"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "PrimitiveBenchmarks",
            dependencies: [
                "PrimitiveWorkloads",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/PrimitiveBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // `primitive-loop NAME ITERATIONS`: runs one workload in a loop, for callgrind.
        .executableTarget(name: "primitive-loop", dependencies: ["PrimitiveWorkloads"]),
        // `vault-bench`: the vault's open time, record rates and conversation listing.
        .executableTarget(
            name: "vault-bench",
            dependencies: [
                .product(name: "SealpostVault", package: "Sealpost"),
                .product(name: "SealpostProtocol", package: "Sealpost"),
                .product(name: "SealpostWire", package: "Sealpost"),
                .product(name: "SealpostCrypto", package: "Sealpost"),
            ]
        ),
        // `client-bench`: messages between SealpostClient instances through a running relay
        // (`client-bench.sh` starts one in release mode).
        .executableTarget(
            name: "client-bench",
            dependencies: [
                .product(name: "SealpostClient", package: "Sealpost"),
                .product(name: "SealpostVault", package: "Sealpost"),
            ]
        ),
        // `sealpost-load`: concurrent senders and WebSocket receivers against a running relay on
        // loopback (`relay-load.sh` starts one in release mode and runs this against it).
        .executableTarget(
            name: "sealpost-load",
            dependencies: [
                .product(name: "SealpostWire", package: "Sealpost"),
                .product(name: "SealpostCrypto", package: "Sealpost"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
