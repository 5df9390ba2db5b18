fn main() {
    // Declaring the app's commands makes them subject to the capability file: only `call` exists,
    // and only the windows granted `allow-call` may invoke it.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(&["call"])),
    )
    .expect("failed to run the Tauri build script");
}
