//! `uniffi-bindgen`, pinned to the uniffi version of `stella-ops-swift`: generates the Swift
//! (and, for the tests, Python) sources of the binding from its compiled library.
//!
//! `cargo run -p stella-ops-swift-bindgen -- generate --library <libstella_ops_swift.so> --language swift --out-dir <dir>`

fn main() {
    uniffi::uniffi_bindgen_main()
}
