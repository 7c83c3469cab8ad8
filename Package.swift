// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Sealpost",
    // On Apple platforms swift-crypto re-exports CryptoKit, whose ML-KEM needs macOS 26.
    platforms: [.macOS("26.0")],
    products: [
        .library(name: "SealpostCrypto", targets: ["SealpostCrypto"]),
        .library(name: "SealpostWire", targets: ["SealpostWire"]),
        .library(name: "SealpostProtocol", targets: ["SealpostProtocol"]),
        .library(name: "SealpostVectors", targets: ["SealpostVectors"]),
        .library(name: "SealpostRelay", targets: ["SealpostRelay"]),
        .library(name: "SealpostVault", targets: ["SealpostVault"]),
        .library(name: "SealpostClient", targets: ["SealpostClient"]),
        .executable(name: "sealpost-vectors", targets: ["sealpost-vectors"]),
        .executable(name: "sealpost-relay", targets: ["sealpost-relay"]),
        .executable(name: "sealpost", targets: ["sealpost"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // libsodium 1.0.18 from the system (Debian: libsodium-dev). Only SealpostCrypto imports it.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]
        ),
        // Typed, misuse-resistant primitives: the only module that touches C or swift-crypto.
        .target(
            name: "SealpostCrypto",
            dependencies: [
                "CSodium",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Wire formats only: identifiers, key encodings, certificates, device lists, prekey
        // bundles and handshake headers, with strict parsers and signature checks. The relay
        // can parse and check these without being able to import session code.
        .target(
            name: "SealpostWire",
            dependencies: ["SealpostCrypto"]
        ),
        // The session layer: trust, safety numbers, prekey lifecycle, the PQXDH handshake.
        .target(
            name: "SealpostProtocol",
            dependencies: ["SealpostWire", "SealpostCrypto"]
        ),
        // The relay: durable offline mailboxes (SQLite through GRDB), the directory, the HTTP and
        // WebSocket API. Session code is not needed to relay: it uses the wire formats and limits.
        .target(
            name: "SealpostRelay",
            dependencies: [
                "SealpostProtocol", "SealpostWire", "SealpostCrypto",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The relay binary: `sealpost-relay serve` and the operator commands.
        .executableTarget(
            name: "sealpost-relay",
            dependencies: [
                "SealpostRelay", "SealpostProtocol", "SealpostWire", "SealpostCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The vault: the client's encrypted local store (passphrase → Argon2id → data key) on SQLite.
        .target(
            name: "SealpostVault",
            dependencies: [
                "SealpostProtocol", "SealpostWire", "SealpostCrypto",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The client SDK: registration, key maintenance, sealed fan-out sends with an outbox, the
        // authenticated receive loop that commits to the vault before acknowledging.
        .target(
            name: "SealpostClient",
            dependencies: [
                "SealpostVault", "SealpostProtocol", "SealpostWire", "SealpostCrypto",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The `sealpost` command-line client, with `sealpost demo` (a relay embedded on loopback).
        .executableTarget(
            name: "sealpost",
            dependencies: [
                "SealpostClient", "SealpostRelay", "SealpostVault", "SealpostProtocol", "SealpostWire", "SealpostCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The vector file format, its loader and its checkers, shared by the tests and the CLI.
        .target(
            name: "SealpostVectors",
            dependencies: ["SealpostVault", "SealpostProtocol", "SealpostWire", "SealpostCrypto"]
        ),
        .executableTarget(
            name: "sealpost-vectors",
            dependencies: [
                "SealpostVectors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SealpostCryptoTests",
            dependencies: [
                "SealpostCrypto",
                // swift-crypto's own HPKE, for the differential test only.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "SealpostWireTests",
            dependencies: ["SealpostWire", "SealpostCrypto"]
        ),
        .testTarget(
            name: "SealpostProtocolTests",
            dependencies: ["SealpostProtocol", "SealpostWire", "SealpostCrypto"]
        ),
        // A real `sealpost-relay` process on 127.0.0.1 for the end-to-end tests.
        .target(
            name: "SealpostTestSupport",
            dependencies: ["SealpostWire"],
            path: "Tests/SealpostTestSupport"
        ),
        .testTarget(
            name: "SealpostRelayTests",
            dependencies: [
                "SealpostRelay", "SealpostProtocol", "SealpostWire", "SealpostCrypto", "SealpostTestSupport",
                // Built before the tests, which start it as a real process on 127.0.0.1.
                "sealpost-relay",
                // A real WebSocket client for the end-to-end tests against a relay process.
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // An HTTPS client that trusts the test certificate, for the TLS test.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            // A self-signed certificate for 127.0.0.1, read in place by the TLS test.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "SealpostClientTests",
            dependencies: [
                "SealpostClient", "SealpostVault", "SealpostProtocol", "SealpostWire", "SealpostCrypto", "SealpostTestSupport",
                // Built before the tests, which start them as real processes.
                "sealpost-relay", "sealpost",
            ]
        ),
        .testTarget(
            name: "SealpostVaultTests",
            dependencies: ["SealpostVault", "SealpostProtocol", "SealpostWire", "SealpostCrypto"]
        ),
        .testTarget(
            name: "SealpostVectorsTests",
            dependencies: ["SealpostVectors", "SealpostCrypto"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
