//! Writes a bitrise.yml whose last workflow (wf199) runs a 200-workflow before_run chain of 1,000 steps.
fn main() {
    print!(
        "{}",
        apple_conn::bench_support::long_chain_bitrise_yml(200, 5)
    );
}
