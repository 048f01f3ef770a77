//! Times what a preview of a modular config costs in-process: read + merge the files
//! (`include:`), then expand every workflow. Prints the median of RUNS runs in milliseconds.
//! Usage: time_modular_config FILE [RUNS] [WORKFLOW] (WORKFLOW: expand only that one)
use apple_conn::bitrise::{expand, run};

fn main() {
    let mut args = std::env::args().skip(1);
    let path =
        std::path::PathBuf::from(args.next().expect("usage: time_modular_config FILE [RUNS]"));
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(20);
    let only = args.next();
    let mut times = Vec::new();
    let mut steps = 0;
    for _ in 0..runs {
        let t = std::time::Instant::now();
        let yml = run::open(&path).expect("the config loads");
        steps = 0;
        for id in yml
            .workflows
            .keys()
            .filter(|w| only.as_ref().is_none_or(|o| o == *w))
        {
            steps += expand::expand_workflow(&yml, id).expect("expands").len();
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!("{:.2} {steps}", times[times.len() / 2]);
}
