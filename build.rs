// Migrations are embedded at compile time (diesel's `embed_migrations!`): a new migration folder must
// rebuild the crate, which cargo only knows when told.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
