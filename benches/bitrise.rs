//! bitrise.yml target: previewing the last workflow of a 200-workflow before_run chain (1,000 steps)
//! takes under 50 ms as a whole process (`benches/bitrise_chain.sh`); here the in-process parts.

use std::hint::black_box;

use apple_conn::bench_support::long_chain_bitrise_yml;
use apple_conn::bitrise::{expand, load};
use criterion::{Criterion, criterion_group, criterion_main};

fn bitrise(c: &mut Criterion) {
    let text = long_chain_bitrise_yml(200, 5);
    c.bench_function("load 200-workflow bitrise.yml", |b| {
        b.iter(|| load::load("b.yml", black_box(&text)).unwrap())
    });
    let yml = load::load("b.yml", &text).unwrap();
    c.bench_function("expand wf199 (1000 steps)", |b| {
        b.iter(|| expand::expand_workflow(&yml, black_box("wf199")).unwrap())
    });
}

criterion_group!(benches, bitrise);
criterion_main!(benches);
