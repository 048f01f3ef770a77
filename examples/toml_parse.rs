//! The memory baseline of benches/preview_memory.sh: a bare `toml` parse of a workspace file (read
//! it, parse it into a `toml::Table`, print its key count), with the binary's allocator.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: toml_parse FILE");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    match toml::from_str::<toml::Table>(&text) {
        Ok(table) => println!("{} keys", table.len()),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
}
