//! Writes a modular config into DIR: bitrise.yml including 34 files, 35 files × 50 workflows
//! (`benches/bitrise_include.sh` measures merging and expanding it against libyaml).
fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: gen_modular_config DIR");
    for (path, text) in apple_conn::bench_support::modular_bitrise_yml(35, 50) {
        let p = std::path::Path::new(&dir).join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}
