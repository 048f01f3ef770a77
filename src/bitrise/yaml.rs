//! A YAML tree that keeps each scalar's style and position (saphyr-parser events).

use saphyr_parser::{Event, Parser, ScalarStyle};

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Map(Vec<(Node, Node)>),
    Seq(Vec<Node>),
    Scalar { text: String, quoted: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub line: usize,
    pub col: usize,
    /// Which file of a modular config (`include:`) the node comes from: an index into its file list.
    pub file: u32,
}

impl Node {
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar's source text (keys, ids, references).
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, quoted: false } if text.is_empty() || text == "~" || text.eq_ignore_ascii_case("null"))
    }

    /// The value of a key; the last one wins when a key is written twice (yaml.v2).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
}

/// The most nodes a document may hold once aliases are expanded (an alias bomb stops here).
pub const NODE_BUDGET: usize = 1_000_000;

/// The nodes a tree holds (aliases repeated), for budgets across files.
pub fn node_count(node: &Node) -> usize {
    1 + match &node.kind {
        Kind::Map(m) => m.iter().map(|(k, v)| node_count(k) + node_count(v)).sum(),
        Kind::Seq(s) => s.iter().map(node_count).sum(),
        Kind::Scalar { .. } => 0,
    }
}

pub fn parse(text: &str) -> Result<Node, (usize, usize, String)> {
    parse_in(text, 0)
}

/// Parses a `bitrise.json` as encoding/json reads it (bitrise/util.go:287): an unquoted number is
/// a float64, so the step receives Go's `%v` of it (`1234567` -> `1.234567e+06`).
pub fn parse_json(text: &str) -> Result<Node, (usize, usize, String)> {
    let mut root = parse_in(text, 0)?;
    json_numbers(&mut root);
    Ok(root)
}

fn json_numbers(node: &mut Node) {
    match &mut node.kind {
        Kind::Map(entries) => entries.iter_mut().for_each(|(_, v)| json_numbers(v)),
        Kind::Seq(items) => items.iter_mut().for_each(json_numbers),
        Kind::Scalar { text, quoted } => {
            if !*quoted && let Ok(f) = text.parse::<f64>() {
                *text = go_float(f);
                *quoted = true;
            }
        }
    }
}

/// yaml.v2's merge key (decode.go merge): `<<: *a` or `<<: [*a, *b]` sets the anchors' keys
/// where it stands (the first anchor of a list wins), so a key written after the merge wins
/// and one written before it loses; each key is kept once, at its first place, with its value.
fn merge_keys(entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, (usize, usize, String)> {
    let is_merge =
        |k: &Node| matches!(&k.kind, Kind::Scalar { text, quoted: false } if text == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return Ok(entries);
    }
    let mut out: Vec<(Node, Node)> = Vec::new();
    let set = |k: Node, v: Node, out: &mut Vec<(Node, Node)>| match out
        .iter_mut()
        .find(|(ok, _)| ok.as_str().is_some() && ok.as_str() == k.as_str())
    {
        Some(slot) => slot.1 = v,
        None => out.push((k, v)),
    };
    for (k, v) in entries {
        if !is_merge(&k) {
            set(k, v, &mut out);
            continue;
        }
        let maps: Vec<&Node> = match &v.kind {
            Kind::Map(_) => vec![&v],
            // decode.go merge: "Step backwards as earlier nodes take precedence."
            Kind::Seq(items) => items.iter().rev().collect(),
            _ => vec![],
        };
        if maps.is_empty() || maps.iter().any(|m| m.as_map().is_none()) {
            return Err((
                v.line,
                v.col,
                "map merge requires map or sequence of maps as the value".into(),
            ));
        }
        for m in maps {
            for (mk, mv) in m.as_map().unwrap_or_default() {
                set(mk.clone(), mv.clone(), &mut out);
            }
        }
    }
    Ok(out)
}

/// Parses one file of a modular config; its nodes carry `file`.
pub fn parse_in(text: &str, file: u32) -> Result<Node, (usize, usize, String)> {
    let mut nodes: usize = 0;
    let mut sizes: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut stack: Vec<(Node, Option<Node>)> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = std::collections::HashMap::new();
    let mut anchor_stack: Vec<usize> = Vec::new();
    let mut root: Option<Node> = None;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            let m = e.marker();
            (m.line(), m.col() + 1, e.info().to_string())
        })?;
        let (line, col) = (span.start.line(), span.start.col() + 1);
        // Each alias repeats its anchor's whole tree: count it before copying it.
        nodes += match &event {
            Event::Alias(id) => sizes.get(id).copied().unwrap_or(1),
            Event::MappingStart(..) | Event::SequenceStart(..) | Event::Scalar(..) => 1,
            _ => 0,
        };
        if nodes > NODE_BUDGET {
            return Err((
                line,
                col,
                format!(
                    "the YAML expands to more than {NODE_BUDGET} nodes once its aliases (*name) are repeated: this is an alias bomb or a mistake; remove the nested aliases"
                ),
            ));
        }
        let finished: Option<(Node, usize)> = match event {
            Event::MappingStart(anchor, _) => {
                stack.push((
                    Node {
                        kind: Kind::Map(Vec::new()),
                        line,
                        col,
                        file,
                    },
                    None,
                ));
                anchor_stack.push(anchor);
                None
            }
            Event::SequenceStart(anchor, _) => {
                stack.push((
                    Node {
                        kind: Kind::Seq(Vec::new()),
                        line,
                        col,
                        file,
                    },
                    None,
                ));
                anchor_stack.push(anchor);
                None
            }
            Event::MappingEnd => {
                let anchor = anchor_stack.pop().unwrap_or(0);
                match stack.pop() {
                    Some((mut n, _)) => {
                        if let Kind::Map(entries) = n.kind {
                            n.kind = Kind::Map(merge_keys(entries)?);
                        }
                        Some((n, anchor))
                    }
                    None => None,
                }
            }
            Event::SequenceEnd => {
                let anchor = anchor_stack.pop().unwrap_or(0);
                stack.pop().map(|(n, _)| (n, anchor))
            }
            Event::Scalar(value, style, anchor, tag) => {
                // `!!str` (resolve.go:118) and tags yaml.v2 does not resolve (:87) keep the text.
                let keeps_text = tag.as_ref().is_some_and(|t| {
                    !t.is_yaml_core_schema()
                        || !matches!(
                            t.suffix.as_str(),
                            "bool" | "int" | "float" | "null" | "timestamp"
                        )
                });
                let quoted = !matches!(style, ScalarStyle::Plain) || keeps_text;
                Some((
                    Node {
                        kind: Kind::Scalar {
                            text: value.into_owned(),
                            quoted,
                        },
                        line,
                        col,
                        file,
                    },
                    anchor,
                ))
            }
            Event::Alias(id) => Some((
                anchors.get(&id).cloned().unwrap_or(Node {
                    kind: Kind::Scalar {
                        text: String::new(),
                        quoted: false,
                    },
                    line,
                    col,
                    file,
                }),
                0,
            )),
            _ => None,
        };
        if let Some((node, anchor)) = finished {
            if anchor > 0 {
                sizes.insert(anchor, node_count(&node));
                anchors.insert(anchor, node.clone());
            }
            match stack.last_mut() {
                None => {
                    if root.is_none() {
                        root = Some(node);
                    }
                }
                Some((parent, pending_key)) => match &mut parent.kind {
                    Kind::Seq(items) => items.push(node),
                    Kind::Map(entries) => match pending_key.take() {
                        None => *pending_key = Some(node),
                        Some(key) => entries.push((key, node)),
                    },
                    Kind::Scalar { .. } => {}
                },
            }
        }
    }
    Ok(root.unwrap_or(Node {
        kind: Kind::Map(Vec::new()),
        line: 1,
        col: 1,
        file,
    }))
}

/// A modular config's tree as the CLI re-reads it: merged as yaml.v2 `map[any]any`, marshalled and
/// parsed again, so a plain `no` is `false` and `0x1F` is `31` (models/config_file_tree.go:21,58).
pub fn remarshal(node: &mut Node) {
    match &mut node.kind {
        Kind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            remarshal(k);
            remarshal(v);
        }),
        Kind::Seq(items) => items.iter_mut().for_each(remarshal),
        Kind::Scalar { quoted: true, .. } => {}
        Kind::Scalar { text, .. } => {
            if !matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                // yaml.v2 encode.go floatv writes the infinities and NaN in YAML spelling.
                *text = match plain_scalar(text).as_str() {
                    "+Inf" => ".inf".into(),
                    "-Inf" => "-.inf".into(),
                    "NaN" => ".nan".into(),
                    other => other.into(),
                };
            }
        }
    }
}

/// The string a step receives for a YAML value, by the CLI's YAML 1.1 rules (bitrise-yml-format §6.3).
pub fn value_string(node: &Node) -> String {
    match &node.kind {
        Kind::Scalar { text, quoted: true } => text.clone(),
        Kind::Scalar {
            text,
            quoted: false,
        } => plain_scalar(text),
        Kind::Seq(items) => format!(
            "[{}]",
            items.iter().map(value_string).collect::<Vec<_>>().join(" ")
        ),
        Kind::Map(entries) => format!(
            "map[{}]",
            entries
                .iter()
                .map(|(k, v)| format!("{}:{}", value_string(k), value_string(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

pub fn plain_scalar(text: &str) -> String {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return String::new(),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return "true".into();
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return "false".into();
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return "+Inf".into(),
        "-.inf" | "-.Inf" | "-.INF" => return "-Inf".into(),
        ".nan" | ".NaN" | ".NAN" => return "NaN".into(),
        _ => {}
    }
    // resolve.go:114: only a text starting with a sign, a digit or `.` can be a number.
    match text.as_bytes().first() {
        Some(b'.') => {
            return text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(go_float)
                .unwrap_or_else(|| text.to_string());
        }
        Some(b'0'..=b'9' | b'+' | b'-') => {}
        _ => return text.to_string(),
    }
    if looks_like_timestamp(text) {
        // decode.go: a timestamp decoded into interface{} stays the string as written.
        return text.to_string();
    }
    if let Some(i) = yaml11_int(text) {
        return i;
    }
    if let Some(f) = yaml11_float(text) {
        return go_float(f);
    }
    text.to_string()
}

/// resolve.go:249 parseTimestamp's quick check: four digits and a dash.
fn looks_like_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// resolve.go:150: strconv.ParseInt(plain, 0, 64) (Go's base prefixes: `0x`, `0o`, `0b`, and a
/// leading `0` for octal, so `0118567412` is no int), then ParseUint, as decimal text.
fn yaml11_int(text: &str) -> Option<String> {
    let plain = text.replace('_', "");
    let (neg, digits) = match plain.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, plain.strip_prefix('+').unwrap_or(&plain)),
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let (radix, body) = match digits.get(..2) {
        Some("0x" | "0X") => (16, &digits[2..]),
        Some("0o" | "0O") => (8, &digits[2..]),
        Some("0b" | "0B") => (2, &digits[2..]),
        _ if digits.len() > 1 && digits.starts_with('0') => (8, &digits[1..]),
        _ => (10, digits),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = u128::from_str_radix(body, radix).ok()?;
    if neg {
        // ParseInt's range; ParseUint refuses a sign.
        (v <= 1u128 << 63)
            .then(|| format!("-{v}"))
            .map(|s| if v == 0 { "0".into() } else { s })
    } else if v <= u64::MAX as u128 {
        Some(v.to_string())
    } else {
        None
    }
}

/// resolve.go:84 yamlStyleFloat, then strconv.ParseFloat (an out-of-range value stays text).
fn yaml11_float(text: &str) -> Option<f64> {
    let t = text.replace('_', "");
    let b = t.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if int_digits == 0 && i == frac_start {
            return None;
        }
    } else if int_digits == 0 {
        return None;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Go's `%v` for a float64 (strconv.FormatFloat 'g', shortest): the exponent form when the
/// exponent is below -4 or at least 6 (strconv/ftoa.go: "if shortest { eprec = 6 }").
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` is the shortest round-trip form too: `1.18567412e8`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        let es = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{es}{:02}", exp.abs());
    }
    let point = exp + 1;
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_scalars_as_the_cli_prints_them() {
        for (input, out) in [
            ("off", "false"),
            ("Off", "false"),
            ("no", "false"),
            ("N", "false"),
            ("yes", "true"),
            ("on", "true"),
            ("y", "true"),
            ("api-key", "api-key"),
            ("1.2.3", "1.2.3"),
            ("1437806916", "1437806916"),
            ("+7", "7"),
            ("0x1F", "31"),
            ("0755", "493"),
            ("1_000", "1000"),
            ("14.0", "14"),
            ("1.10", "1.1"),
            ("1e3", "1000"),
            ("1000000.0", "1e+06"),
            (".inf", "+Inf"),
            (".nan", "NaN"),
            ("~", ""),
            ("null", ""),
            ("2024-01-31", "2024-01-31"),
            // issue 28: not octal (8 and 9), so a float; octal; an exponent.
            ("0118567412", "1.18567412e+08"),
            ("01234567", "342391"),
            ("8437529E12", "8.437529e+18"),
            ("0o17", "15"),
            ("08", "8"),
            ("1234567.0", "1.234567e+06"),
            ("123456.0", "123456"),
            ("1e21", "1e+21"),
            ("0.0001", "0.0001"),
            ("0.00001", "1e-05"),
            (".5", "0.5"),
            ("-.5", "-0.5"),
            ("1e400", "1e400"),
            ("18446744073709551615", "18446744073709551615"),
            ("+-1", "+-1"),
            ("-0b101", "-5"),
        ] {
            assert_eq!(plain_scalar(input), out, "{input}");
        }
    }

    #[test]
    fn quoted_scalars_keep_their_text_and_positions_are_kept() {
        let n = parse("a:\n  - connection: \"off\"\n  - connection: off\n").unwrap();
        let items = n.get("a").unwrap().as_seq().unwrap();
        assert_eq!(value_string(items[0].get("connection").unwrap()), "off");
        assert_eq!(value_string(items[1].get("connection").unwrap()), "false");
        assert_eq!(items[1].get("connection").unwrap().line, 3);
    }

    #[test]
    fn str_tags_keep_the_text_and_merge_keys_follow_yaml_v2() {
        let n = parse("a: !!str off\nb: !!str 0118567412\nc: !!int 017\n").unwrap();
        assert_eq!(value_string(n.get("a").unwrap()), "off");
        assert_eq!(value_string(n.get("b").unwrap()), "0118567412");
        assert_eq!(value_string(n.get("c").unwrap()), "15");
        let n = parse(
            "x: &a {k: a, only_a: 1}\ny: &b {k: b, only_b: 2}\nm: {<<: [*a, *b]}\nafter: {k: mine, <<: *a}\nbefore: {<<: *a, k: mine}\n",
        )
        .unwrap();
        let m = n.get("m").unwrap();
        assert_eq!(value_string(m.get("k").unwrap()), "a");
        assert_eq!(value_string(m.get("only_b").unwrap()), "2");
        assert_eq!(value_string(n.get("after").unwrap().get("k").unwrap()), "a");
        assert_eq!(
            value_string(n.get("before").unwrap().get("k").unwrap()),
            "mine"
        );
        assert!(parse("a: &s x\nb: {<<: *s}\n").is_err());
    }

    #[test]
    fn json_numbers_are_floats() {
        let n = parse_json(r#"{"a": 1234567, "b": "1234567", "c": 12, "d": true}"#).unwrap();
        assert_eq!(value_string(n.get("a").unwrap()), "1.234567e+06");
        assert_eq!(value_string(n.get("b").unwrap()), "1234567");
        assert_eq!(value_string(n.get("c").unwrap()), "12");
        assert_eq!(value_string(n.get("d").unwrap()), "true");
    }
}
