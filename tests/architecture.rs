//! The shape the developers' guide asks for, checked on the source itself: the two faces never
//! import each other, the domain does no I/O and reads no clock, and test support stays out of
//! the public library.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Lines of code that mention `needle`, comments left out.
fn offending_lines(dir: &str, needles: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut found = Vec::new();
    for file in rust_files(&root) {
        let text = fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for needle in needles {
                if code.contains(needle) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn the_tui_never_imports_the_cli() {
    let found = offending_lines("src/tui", &["crate::headless", "apple_conn::headless"]);
    assert!(
        found.is_empty(),
        "src/tui imports the CLI face:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_cli_never_imports_the_tui() {
    let found = offending_lines("src/headless", &["crate::tui", "apple_conn::tui"]);
    assert!(
        found.is_empty(),
        "src/headless imports the TUI face:\n{}",
        found.join("\n")
    );
}

/// The faces reach Apple's and Bitrise's services only through `ops` (which re-exports the few
/// types they show): neither names Apple's client nor the Bitrise REST client.
#[test]
fn the_faces_reach_the_network_only_through_ops() {
    let needles = ["apple::", "bitrise::api", "api::Client", "ureq"];
    for face in ["src/headless", "src/tui"] {
        let found = offending_lines(face, &needles);
        assert!(
            found.is_empty(),
            "{face} names a network client (use crate::ops instead):\n{}",
            found.join("\n")
        );
    }
}

/// Ways a face could edit the workspace file itself instead of asking `ops` (issue 29, item 7):
/// hold a TOML document, or run a read-modify-write with an edit of its own.
const WORKSPACE_WRITES: &[&str] = &[
    "toml_edit",
    "DocumentMut",
    "store::update(",
    "save::apply(",
    "edit::",
    "edit_bitrise",
];

/// Every write to the workspace file has one path: the faces describe a change (`ops::edits`,
/// or the operation that makes it) and `ops` writes it; no face holds a TOML document.
#[test]
fn the_faces_write_the_workspace_only_through_ops() {
    for face in ["src/headless", "src/tui", "src/main.rs"] {
        let found = if face.ends_with(".rs") {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let text = fs::read_to_string(root.join(face)).unwrap();
            text.lines()
                .enumerate()
                .filter(|(_, l)| {
                    let code = l.split("//").next().unwrap_or("");
                    WORKSPACE_WRITES.iter().any(|n| code.contains(n))
                })
                .map(|(n, l)| format!("{face}:{}: {}", n + 1, l.trim()))
                .collect()
        } else {
            offending_lines(face, WORKSPACE_WRITES)
        };
        assert!(
            found.is_empty(),
            "{face} edits the workspace file itself (describe the change with crate::ops::edits::Change):\n{}",
            found.join("\n")
        );
    }
    // The needles catch the ways a face wrote before the move, and not the one path it uses now.
    let caught = |line: &str| WORKSPACE_WRITES.iter().any(|n| line.contains(n));
    for old in [
        "    store::update(path, |l, doc| {",
        "        edit::assign(doc, &slug, field, to.as_deref())",
        "        change: impl FnOnce(&Loaded, &mut toml_edit::DocumentMut) -> Result<(), String>,",
        "        match save::apply(self.target(loaded), change) {",
        "use crate::store::edit::{self, ConnectionKind};",
    ] {
        assert!(caught(old), "{old}");
    }
    assert!(!caught(
        "    edits::apply(Target::Disk(path), &change).map_err(update_failure)?;"
    ));
}

#[test]
fn the_domain_does_no_io_reads_no_clock_and_imports_no_ui() {
    let found = offending_lines(
        "src/domain",
        &[
            "std::fs",
            "std::net",
            "std::env",
            "std::process",
            "Utc::now",
            "Local::now",
            "SystemTime::now",
            "Instant::now",
            "ratatui",
            "crossterm",
            "crate::tui",
            "crate::headless",
            "crate::ops",
            "crate::store",
            "crate::secrets",
            "ureq",
            "println!",
            "eprintln!",
        ],
    );
    assert!(
        found.is_empty(),
        "src/domain steps outside its rules:\n{}",
        found.join("\n")
    );
}

/// `store/` (files, trust, ids, owners) sits below the modules that use it: it imports none of them,
/// so the trust module and the sign-in or vault code never import each other in a circle (issue 33).
#[test]
fn the_store_imports_no_module_above_it() {
    let above = ["apple", "secrets", "bitrise", "ops", "tui", "headless"];
    let needles: Vec<String> = above
        .iter()
        .flat_map(|m| {
            [
                format!("crate::{m}::"),
                format!("crate::{{{m}"),
                format!("crate::{m};"),
            ]
        })
        .collect();
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    let found = offending_lines("src/store", &needles);
    assert!(
        found.is_empty(),
        "src/store imports a module above it:\n{}",
        found.join("\n")
    );
}

#[test]
fn test_support_is_behind_a_feature_that_is_off_by_default() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let gate = "#[cfg(any(test, feature = \"test-support\"))]";
    let lib = fs::read_to_string(root.join("src/lib.rs")).unwrap();
    for module in ["pub mod bench_support;", "pub mod fuzzing;"] {
        let before = lib.split(module).next().unwrap();
        assert!(
            lib.contains(module) && before.trim_end().ends_with(gate),
            "{module} must sit right under {gate} in src/lib.rs"
        );
    }
    let tui = fs::read_to_string(root.join("src/tui/mod.rs")).unwrap();
    let before = tui.split("pub mod testing;").next().unwrap();
    assert!(
        before.trim_end().ends_with(gate),
        "tui::testing must sit under {gate}"
    );

    let manifest: toml::Table = fs::read_to_string(root.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let features = manifest["features"].as_table().unwrap();
    let default = features
        .get("default")
        .and_then(|d| d.as_array())
        .cloned()
        .unwrap_or_default();
    assert!(
        !default.iter().any(|f| f.as_str() == Some("test-support")),
        "test-support must not be a default feature"
    );
    assert!(
        !manifest["dependencies"]
            .as_table()
            .unwrap()
            .contains_key("apple-conn"),
        "only the dev-dependencies may turn test-support on"
    );
}

#[test]
fn every_clock_read_goes_through_the_clock_passed_in() {
    // The exceptions, each justified where it is: the one clock itself; the hashcash stamp, which
    // Apple judges by its own clock; store::update, which compares errors at one instant.
    let allowed = [
        "src/ops/clock.rs",
        "src/apple/signin/mod.rs",
        "src/store/mod.rs",
    ];
    let found: Vec<String> = offending_lines("src", &["Utc::now", "Local::now"])
        .into_iter()
        .filter(|line| !allowed.iter().any(|a| line.contains(&format!("/{a}:"))))
        .collect();
    assert!(
        found.is_empty(),
        "read the clock passed in (ops::Clock, --now), not the wall clock:\n{}",
        found.join("\n")
    );
}

/// Ways to reach stdout or stderr past the sanitizer (`terminal_text::clean`).
const RAW_OUTPUT: &[&str] = &[
    "std::println",
    "std::print!",
    "std::eprintln",
    "std::eprint!",
    "io::stdout()",
    "io::stderr()",
    "stdout().lock",
    "stderr().lock",
    "libc::write",
    "File::from_raw_fd",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/tty",
    "raw_out(",
];

/// Lines of `text` that write past the sanitizer without a `// raw: <why>` mark on the same
/// line or alone on the line above.
fn raw_output_lines(name: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut above_marked = false;
    for (n, line) in text.lines().enumerate() {
        let (code, comment) = match line.split_once("//") {
            Some((c, rest)) => (c, rest),
            None => (line, ""),
        };
        let marked = comment.trim_start().starts_with("raw:") || above_marked;
        above_marked = code.trim().is_empty() && comment.trim_start().starts_with("raw:");
        // Asking whether a stream is a terminal writes nothing.
        let code = code
            .replace("io::stdout().is_terminal()", "")
            .replace("io::stderr().is_terminal()", "")
            .replace("io::stdin()", "");
        if !marked && RAW_OUTPUT.iter().any(|needle| code.contains(needle)) {
            found.push(format!("{name}:{}: {}", n + 1, line.trim()));
        }
    }
    found
}

#[test]
fn every_headless_line_goes_through_the_one_sanitizer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mod_rs = fs::read_to_string(root.join("src/headless/mod.rs")).unwrap();
    // The print macros are the sanitizing wrappers, defined before any submodule reads them.
    let first_mod = mod_rs.find("pub mod ").unwrap();
    for (mac, via) in [
        ("println", "terminal_text::show("),
        ("print", "terminal_text::show_part("),
        ("eprintln", "terminal_text::say("),
        ("eprint", "terminal_text::say_part("),
    ] {
        let def = format!("macro_rules! {mac} {{");
        let at = mod_rs
            .find(&def)
            .unwrap_or_else(|| panic!("src/headless/mod.rs must define {def}"));
        assert!(at < first_mod, "{def} must come before the first `pub mod`");
        let body = &mod_rs[at..at + mod_rs[at..].find("\n}").unwrap()];
        assert!(
            body.contains(via),
            "{mac}! must print through {via}: {body}"
        );
    }
    let mut found = Vec::new();
    for file in rust_files(&root.join("src/headless")) {
        let text = fs::read_to_string(&file).unwrap();
        found.extend(raw_output_lines(&file.display().to_string(), &text));
    }
    assert!(
        found.is_empty(),
        "output past the sanitizer (print with println!/eprintln!, or mark data with `// raw: why`):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_sanitizer_check_catches_a_bypass() {
    // The scanner itself, on lines a change could add: each is found unless marked.
    for bypass in [
        "    std::println!(\"{}\", server_text);",
        "    let _ = std::io::stderr().write_all(msg.as_bytes());",
        "    writeln!(std::io::stdout().lock(), \"{name}\")?;",
        "    super::raw_out(&detail);",
    ] {
        assert_eq!(raw_output_lines("x.rs", bypass).len(), 1, "{bypass}");
    }
    assert!(raw_output_lines("x.rs", "    super::raw_out(&json); // raw: JSON").is_empty());
    assert!(raw_output_lines("x.rs", "    // raw: JSON\n    super::raw_out(&json);").is_empty());
    // A mark covers one line only.
    assert_eq!(
        raw_output_lines(
            "x.rs",
            "    // raw: JSON\n    let x = 1;\n    super::raw_out(&x);"
        )
        .len(),
        1
    );
    assert!(raw_output_lines("x.rs", "    if std::io::stdout().is_terminal() {").is_empty());
}
