//! `bkctl`: the operators' shell. Its verbs arrive with issue 4 (client and metadata).
fn main() {
    eprintln!("bkctl: no verbs yet; see ARCHITECTURE.md");
    std::process::exit(2);
}
