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
            Event::MappingEnd | Event::SequenceEnd => {
                let anchor = anchor_stack.pop().unwrap_or(0);
                stack.pop().map(|(n, _)| (n, anchor))
            }
            Event::Scalar(value, style, anchor, _) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
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
    if let Some(i) = yaml11_int(text) {
        return i.to_string();
    }
    if let Some(f) = yaml11_float(text) {
        return go_float(f);
    }
    text.to_string()
}

fn yaml11_int(text: &str) -> Option<i64> {
    let t = text.replace('_', "");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
    };
    if digits.is_empty() {
        return None;
    }
    let v = if let Some(h) = digits.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(b) = digits.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if digits.len() > 1
        && digits.starts_with('0')
        && digits.chars().all(|c| ('0'..='7').contains(&c))
    {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else if digits.chars().all(|c| c.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn yaml11_float(text: &str) -> Option<f64> {
    let t = text.replace('_', "");
    let body = t.trim_start_matches(['+', '-']);
    let valid = body
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && (body.contains('.') || body.contains(['e', 'E']));
    if !valid {
        return None;
    }
    t.parse().ok()
}

/// Go's `%v` for a float64: shortest form, exponent from 1e21 (and for tiny values).
fn go_float(f: f64) -> String {
    if f == f.trunc() && f.abs() < 1e21 {
        let s = format!("{f}");
        let digits = s.trim_start_matches('-').trim_end_matches(".0");
        if digits.len() > 6 && digits.trim_end_matches('0').len() < digits.len() {
            // %v switches to exponent form when it is shorter (1000000.0 -> 1e+06).
            let exp = digits.len() - 1;
            let mantissa = digits.trim_end_matches('0');
            let m = if mantissa.len() > 1 {
                format!("{}.{}", &mantissa[..1], &mantissa[1..])
            } else {
                mantissa.to_string()
            };
            return format!("{}{m}e+{exp:02}", if f < 0.0 { "-" } else { "" });
        }
        return s.trim_end_matches(".0").to_string();
    }
    format!("{f}")
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
}
