//! The longer differential run against the Bitrise CLI oracle (`tests/oracle_diff.rs` runs 500
//! configs per CI run): `cargo run --release --example oracle_fuzz -- [CASES] [SEED] [THREADS]`.
//! Exits 1 and keeps the failing configs in $TMPDIR/apple-conn-oracle-failures when one differs.
#[path = "../tests/oracle_support/mod.rs"]
mod oracle_support;

fn main() {
    let mut args = std::env::args().skip(1);
    let cases: u64 = args.next().and_then(|v| v.parse().ok()).unwrap_or(5000);
    let seed: u64 = args
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_0022);
    let threads: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(6);
    let Some(oracle) = oracle_support::oracle() else {
        eprintln!(
            "no Bitrise CLI oracle at ../shared/tools/bitrise-oracle/run (set APPLE_CONN_ORACLE)"
        );
        std::process::exit(2);
    };
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let started = std::time::Instant::now();
    let mut failed = 0;
    // In batches, so a long run reports as it goes.
    for batch in (0..cases).collect::<Vec<_>>().chunks(500) {
        let list: Vec<oracle_support::Case> = batch
            .iter()
            .map(|i| {
                oracle_support::generate::case(
                    seed.wrapping_add(*i),
                    &tmp.path().join(format!("c{i}")),
                )
            })
            .collect();
        let outcomes = oracle_support::check_all(&oracle, &list, threads);
        for (c, o) in list.iter().zip(&outcomes) {
            if !o.diffs.is_empty() {
                failed += 1;
                let keep = std::env::temp_dir().join("apple-conn-oracle-failures");
                let dir = c.file.parent().unwrap();
                let _ = std::process::Command::new("cp")
                    .args([
                        "-r",
                        &dir.display().to_string(),
                        &keep.display().to_string(),
                    ])
                    .status();
                for d in &o.diffs {
                    println!("{}: {d}", o.label);
                }
            }
        }
        println!(
            "{} / {cases} configs, {failed} differing, {:.0} s",
            batch.last().map(|i| i + 1).unwrap_or(0),
            started.elapsed().as_secs_f64()
        );
        for list in &list {
            let _ = std::fs::remove_dir_all(list.file.parent().unwrap());
        }
    }
    std::process::exit(i32::from(failed > 0));
}
