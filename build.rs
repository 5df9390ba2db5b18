// The store embeds migrations/ with `sqlx::migrate!`; rebuild when a migration is added or edited
// (sqlx's documented build script), or a new migration file would not reach the binary.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
