// swift-tools-version:5.9
// The Swift package of Stella Ops: the uniffi-generated Swift API (Sources/StellaOps, generated
// by generate.sh and committed) over the Rust library libstella_ops_swift (built by cargo).
//
// NOT built in CI: there is no Swift toolchain on the project's machines. CI checks that the
// committed sources are what uniffi generates and runs the same FFI from Python (test.sh).
//
// Linking: build the Rust library first (`cargo build --release -p stella-ops-swift`), then
//   swift build -Xlinker -L<cargo target dir>/release
// (and put that directory on the dynamic loader's path, or link the static library
// libstella_ops_swift.a). For Apple platforms, package the static libraries of each target
// triple as an XCFramework and replace the system library target below with
//   .binaryTarget(name: "StellaOpsFFI", path: "StellaOpsFFI.xcframework")
import PackageDescription

let package = Package(
    name: "StellaOps",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "StellaOps", targets: ["StellaOps"]),
    ],
    targets: [
        // The C declarations of the FFI (header + module.modulemap, generated).
        .systemLibrary(name: "StellaOpsFFI", path: "Sources/StellaOpsFFI"),
        // The Swift API (generated): `import StellaOps`.
        .target(
            name: "StellaOps",
            dependencies: ["StellaOpsFFI"],
            path: "Sources/StellaOps",
            linkerSettings: [.linkedLibrary("stella_ops_swift")]
        ),
    ]
)
