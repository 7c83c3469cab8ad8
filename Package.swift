// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Sealpost",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SealpostCrypto", targets: ["SealpostCrypto"]),
        .library(name: "SealpostVectors", targets: ["SealpostVectors"]),
        .executable(name: "sealpost-vectors", targets: ["sealpost-vectors"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
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
        // The vector file format, its loader and its checkers, shared by the tests and the CLI.
        .target(
            name: "SealpostVectors",
            dependencies: ["SealpostCrypto"]
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
            dependencies: ["SealpostCrypto"]
        ),
        .testTarget(
            name: "SealpostVectorsTests",
            dependencies: ["SealpostVectors", "SealpostCrypto"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
