//! Go's text/template, as the Bitrise CLI evaluates `run_if` and `opts: is_template` inputs
//! (bitrise/template_util.go:65 EvaluateTemplateToString at bitrise-io/bitrise@73c81497): the
//! functions `getenv`, `enveq`, `envcontain` (template_util.go:74) and Go's builtins, the fields
//! of TemplateDataModel (template_util.go:17). A value only the build knows (a secret not given)
//! is carried as `Unknown` with the names it depends on, so the caller never presents a guess.

use std::collections::BTreeSet;

/// What a template can read: the run facts and the environment.
pub struct Facts<'a> {
    pub ci: bool,
    pub pr: bool,
    pub build_failed: bool,
    /// An environment variable: Some(value), or None when only the build knows it.
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// A template's output: its text, or the names of the build-time values it depends on.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Text(String),
    Unknown(BTreeSet<String>),
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Str(String),
    Bool(bool),
    Int(i64),
    Float(f64),
    Nil,
    /// TemplateDataModel.BuildResults: a struct nobody compares.
    Struct,
    Unknown(BTreeSet<String>),
}

impl Val {
    fn truth(&self) -> Option<bool> {
        Some(match self {
            Val::Str(s) => !s.is_empty(),
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Nil => false,
            Val::Struct => true,
            Val::Unknown(_) => return None,
        })
    }

    fn kind(&self) -> &'static str {
        match self {
            Val::Str(_) => "string",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float64",
            Val::Nil => "nil",
            Val::Struct => "struct",
            Val::Unknown(_) => "unknown",
        }
    }

    /// fmt's %v, as text/template prints a value.
    fn print(&self) -> String {
        match self {
            Val::Str(s) => s.clone(),
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => super::yaml::go_float(*f),
            Val::Nil => "<no value>".into(),
            Val::Struct => "{}".into(),
            Val::Unknown(_) => String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Field(Vec<String>),
    Var(String),
    Str(String),
    Num(String),
    LParen,
    RParen,
    Pipe,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    Action(Vec<Vec<Tok>>),
    If(Vec<Vec<Tok>>, Vec<Node>, Vec<Node>),
}

/// Evaluates a template as EvaluateTemplateToString does: an expression without `{{` is wrapped
/// in `{{…}}` first (template_util.go:70); an empty one is an error (:66).
pub fn evaluate(expr: &str, facts: &Facts) -> Result<Output, String> {
    if expr.is_empty() {
        return Err("EvaluateTemplateToBool: Invalid, empty input: expStr".into());
    }
    let text = if expr.contains("{{") {
        expr.to_string()
    } else {
        format!("{{{{{expr}}}}}")
    };
    let nodes = parse(&text)?;
    let mut out = String::new();
    let mut unknown = BTreeSet::new();
    exec(&nodes, facts, &mut out, &mut unknown)?;
    Ok(if unknown.is_empty() {
        Output::Text(out)
    } else {
        Output::Unknown(unknown)
    })
}

/// goinp.ParseBool (goinp/goinp.go:184): the run_if verdict from the template's output.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    if text.is_empty() {
        return Err("no string to parse".into());
    }
    match text.trim().to_lowercase().as_str() {
        "yes" | "y" | "1" | "t" | "true" => Ok(true),
        "no" | "n" | "0" | "f" | "false" => Ok(false),
        other => Err(format!(
            "strconv.ParseBool: parsing \"{other}\": invalid syntax"
        )),
    }
}

fn parse(text: &str) -> Result<Vec<Node>, String> {
    let mut items: Vec<Result<String, Vec<Vec<Tok>>>> = Vec::new();
    let mut rest = text;
    let mut trim_next = false;
    while let Some(start) = rest.find("{{") {
        let mut lit = &rest[..start];
        if trim_next {
            lit = lit.trim_start();
        }
        let mut body = &rest[start + 2..];
        let trim_before =
            body.starts_with("- ") || body.starts_with("-\t") || body.starts_with("-\n");
        if trim_before {
            lit = lit.trim_end();
            body = &body[1..];
        }
        items.push(Ok(lit.to_string()));
        let (toks, used, trim_after) = lex_action(body)?;
        trim_next = trim_after;
        if let Some(t) = toks {
            items.push(Err(t));
        }
        rest = &body[used..];
    }
    let tail = if trim_next { rest.trim_start() } else { rest };
    items.push(Ok(tail.to_string()));
    let mut pos = 0;
    let (nodes, end) = block(&items, &mut pos)?;
    if end.is_some() {
        return Err("template: EvaluateTemplateToBool:1: unexpected {{end}}".into());
    }
    Ok(nodes)
}

/// How a block ended: `{{else}}`, `{{else if …}}` or `{{end}}`.
enum End {
    Else(Option<Vec<Vec<Tok>>>),
    End,
}

fn block(
    items: &[Result<String, Vec<Vec<Tok>>>],
    pos: &mut usize,
) -> Result<(Vec<Node>, Option<End>), String> {
    let mut out = Vec::new();
    while *pos < items.len() {
        let item = &items[*pos];
        *pos += 1;
        match item {
            Ok(text) => out.push(Node::Text(text.clone())),
            Err(cmds) => {
                let head = cmds.first().and_then(|c| c.first());
                match head {
                    Some(Tok::Ident(k)) if k == "end" => return Ok((out, Some(End::End))),
                    Some(Tok::Ident(k)) if k == "else" => {
                        let rest = strip_first(cmds);
                        let cond = match rest.first().and_then(|c| c.first()) {
                            Some(Tok::Ident(i)) if i == "if" => Some(strip_first(&rest)),
                            None => None,
                            _ => return Err(unsupported("else with")),
                        };
                        return Ok((out, Some(End::Else(cond))));
                    }
                    Some(Tok::Ident(k)) if k == "if" => {
                        out.push(if_node(strip_first(cmds), items, pos)?);
                    }
                    Some(Tok::Ident(k))
                        if matches!(
                            k.as_str(),
                            "with"
                                | "range"
                                | "define"
                                | "template"
                                | "block"
                                | "break"
                                | "continue"
                        ) =>
                    {
                        return Err(unsupported(k));
                    }
                    _ => out.push(Node::Action(cmds.clone())),
                }
            }
        }
    }
    Ok((out, None))
}

fn if_node(
    cond: Vec<Vec<Tok>>,
    items: &[Result<String, Vec<Vec<Tok>>>],
    pos: &mut usize,
) -> Result<Node, String> {
    if cond.iter().all(Vec::is_empty) {
        return Err("template: EvaluateTemplateToBool:1: missing value for if".into());
    }
    let (then, end) = block(items, pos)?;
    let otherwise = match end {
        Some(End::End) => Vec::new(),
        Some(End::Else(None)) => match block(items, pos)? {
            (nodes, Some(End::End)) => nodes,
            _ => return Err("template: EvaluateTemplateToBool:1: expected end".into()),
        },
        // `else if` closes with the outer `end`.
        Some(End::Else(Some(c))) => vec![if_node(c, items, pos)?],
        None => return Err("template: EvaluateTemplateToBool:1: unexpected EOF".into()),
    };
    Ok(Node::If(cond, then, otherwise))
}

fn strip_first(cmds: &[Vec<Tok>]) -> Vec<Vec<Tok>> {
    let mut c = cmds.to_vec();
    if let Some(first) = c.first_mut()
        && !first.is_empty()
    {
        first.remove(0);
    }
    if c.len() == 1 && c[0].is_empty() {
        c.clear();
    }
    c
}

/// A construct apple-conn does not evaluate: reported, never guessed.
pub const UNSUPPORTED: &str = "apple-conn does not evaluate";

fn unsupported(what: &str) -> String {
    format!("{UNSUPPORTED} `{what}` in a template")
}

/// Lexes one action after `{{`: its pipeline split at `|`, the bytes used (through `}}`), and
/// whether it ends with ` -}}`. A comment gives no tokens.
#[allow(clippy::type_complexity)]
fn lex_action(s: &str) -> Result<(Option<Vec<Vec<Tok>>>, usize, bool), String> {
    let b = s.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\r' | b'\n') {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    if s[i..].starts_with("/*") {
        let Some(end) = s[i..].find("*/") else {
            return Err("template: EvaluateTemplateToBool:1: unclosed comment".into());
        };
        let mut j = i + end + 2;
        skip_ws(&mut j);
        let trim = s[j..].starts_with("-}}");
        if trim {
            j += 1;
        }
        if !s[j..].starts_with("}}") {
            return Err(
                "template: EvaluateTemplateToBool:1: comment ends before closing delimiter".into(),
            );
        }
        return Ok((None, j + 2, trim));
    }
    let mut cmds: Vec<Vec<Tok>> = vec![Vec::new()];
    let mut depth = 0usize;
    loop {
        skip_ws(&mut i);
        if i >= b.len() {
            return Err("template: EvaluateTemplateToBool:1: unclosed action".into());
        }
        if s[i..].starts_with("}}") {
            return Ok((Some(finish(cmds)?), i + 2, false));
        }
        if s[i..].starts_with("-}}") && i > 0 && matches!(b[i - 1], b' ' | b'\t' | b'\r' | b'\n') {
            return Ok((Some(finish(cmds)?), i + 3, true));
        }
        let push = |t: Tok, cmds: &mut Vec<Vec<Tok>>| {
            if let Some(c) = cmds.last_mut() {
                c.push(t);
            }
        };
        let c = b[i];
        match c {
            b'|' if depth == 0 => {
                cmds.push(Vec::new());
                i += 1;
            }
            b'|' => {
                push(Tok::Pipe, &mut cmds);
                i += 1;
            }
            b'(' => {
                depth += 1;
                push(Tok::LParen, &mut cmds);
                i += 1;
            }
            b')' => {
                if depth == 0 {
                    return Err("template: EvaluateTemplateToBool:1: unexpected right paren".into());
                }
                depth -= 1;
                push(Tok::RParen, &mut cmds);
                i += 1;
            }
            b'"' => {
                let (text, used) = go_string(&s[i..])?;
                push(Tok::Str(text), &mut cmds);
                i += used;
            }
            b'`' => {
                let Some(end) = s[i + 1..].find('`') else {
                    return Err(
                        "template: EvaluateTemplateToBool:1: unterminated raw quoted string".into(),
                    );
                };
                push(Tok::Str(s[i + 1..i + 1 + end].to_string()), &mut cmds);
                i += end + 2;
            }
            b'.' => {
                let mut path = Vec::new();
                let mut j = i;
                while j < b.len() && b[j] == b'.' {
                    let start = j + 1;
                    let mut k = start;
                    while k < b.len() && (b[k].is_ascii_alphanumeric() || b[k] == b'_') {
                        k += 1;
                    }
                    if k == start {
                        break;
                    }
                    path.push(s[start..k].to_string());
                    j = k;
                }
                if path.is_empty() {
                    if j + 1 < b.len() && b[j + 1].is_ascii_digit() {
                        let (num, used) = number(&s[i..]);
                        push(Tok::Num(num), &mut cmds);
                        i += used;
                        continue;
                    }
                    j = i + 1;
                }
                push(Tok::Field(path), &mut cmds);
                i = j;
            }
            b'$' => {
                let mut k = i + 1;
                while k < b.len() && (b[k].is_ascii_alphanumeric() || b[k] == b'_') {
                    k += 1;
                }
                push(Tok::Var(s[i..k].to_string()), &mut cmds);
                i = k;
            }
            b'0'..=b'9' | b'-' | b'+' => {
                let (num, used) = number(&s[i..]);
                if used == 0 {
                    return Err(format!(
                        "template: EvaluateTemplateToBool:1: unexpected \"{}\" in command",
                        c as char
                    ));
                }
                push(Tok::Num(num), &mut cmds);
                i += used;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut k = i;
                while k < b.len() && (b[k].is_ascii_alphanumeric() || b[k] == b'_') {
                    k += 1;
                }
                push(Tok::Ident(s[i..k].to_string()), &mut cmds);
                i = k;
            }
            b'\'' => return Err(unsupported("character constant")),
            b':' | b'=' | b',' => return Err(unsupported("variable declaration")),
            other => {
                return Err(format!(
                    "template: EvaluateTemplateToBool:1: unexpected \"{}\" in command",
                    other as char
                ));
            }
        }
    }
}

fn finish(cmds: Vec<Vec<Tok>>) -> Result<Vec<Vec<Tok>>, String> {
    if cmds.len() > 1 && cmds.iter().any(Vec::is_empty) {
        return Err("template: EvaluateTemplateToBool:1: missing command".into());
    }
    if cmds.len() == 1 && cmds[0].is_empty() {
        return Err("template: EvaluateTemplateToBool:1: missing value for command".into());
    }
    for c in &cmds {
        if let Some(Tok::Var(v)) = c.iter().find(|t| matches!(t, Tok::Var(v) if v != "$")) {
            return Err(format!(
                "template: EvaluateTemplateToBool:1: undefined variable \"{v}\""
            ));
        }
        if let Some(Tok::Ident(f)) = c.iter().find(|t| matches!(t, Tok::Ident(f) if !is_func(f))) {
            return Err(format!(
                "template: EvaluateTemplateToBool:1: function \"{f}\" not defined"
            ));
        }
    }
    Ok(cmds)
}

fn is_func(name: &str) -> bool {
    matches!(
        name,
        "getenv"
            | "enveq"
            | "envcontain"
            | "and"
            | "or"
            | "not"
            | "eq"
            | "ne"
            | "lt"
            | "le"
            | "gt"
            | "ge"
            | "len"
            | "print"
            | "println"
            | "printf"
            | "index"
            | "slice"
            | "call"
            | "html"
            | "js"
            | "urlquery"
            | "true"
            | "false"
            | "nil"
            | "if"
            | "else"
            | "end"
            | "with"
            | "range"
    )
}

/// A Go number literal's text and length.
fn number(s: &str) -> (String, usize) {
    let n = s
        .bytes()
        .enumerate()
        .take_while(|(i, c)| {
            c.is_ascii_alphanumeric()
                || matches!(c, b'.' | b'_')
                || (*i == 0 && matches!(c, b'+' | b'-'))
                || (matches!(c, b'+' | b'-')
                    && *i > 0
                    && matches!(s.as_bytes()[i - 1], b'e' | b'E' | b'p' | b'P'))
        })
        .count();
    if n == 1 && matches!(s.as_bytes()[0], b'+' | b'-') {
        return (String::new(), 0);
    }
    (s[..n].to_string(), n)
}

/// A Go interpreted string literal: its value and length.
fn go_string(s: &str) -> Result<(String, usize), String> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 1)),
            '\n' => break,
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some('\'') => out.push('\''),
                Some('a') => out.push('\u{7}'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some('v') => out.push('\u{b}'),
                _ => return Err(unsupported("string escape")),
            },
            c => out.push(c),
        }
    }
    Err("template: EvaluateTemplateToBool:1: unterminated quoted string".into())
}

fn exec(
    nodes: &[Node],
    facts: &Facts,
    out: &mut String,
    unknown: &mut BTreeSet<String>,
) -> Result<(), String> {
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Action(cmds) => match pipeline(cmds, facts)? {
                Val::Unknown(names) => unknown.extend(names),
                v => out.push_str(&v.print()),
            },
            Node::If(cond, then, otherwise) => match pipeline(cond, facts)? {
                Val::Unknown(names) => {
                    // Either branch may run: both must be evaluable, the output is unknown.
                    let (mut a, mut b) = (String::new(), String::new());
                    exec(then, facts, &mut a, unknown)?;
                    exec(otherwise, facts, &mut b, unknown)?;
                    unknown.extend(names);
                }
                v => {
                    let branch = if v.truth().unwrap_or(false) {
                        then
                    } else {
                        otherwise
                    };
                    exec(branch, facts, out, unknown)?;
                }
            },
        }
    }
    Ok(())
}

fn pipeline(cmds: &[Vec<Tok>], facts: &Facts) -> Result<Val, String> {
    let mut prev: Option<Val> = None;
    for c in cmds {
        prev = Some(command(c, prev, facts)?);
    }
    prev.ok_or_else(|| "template: EvaluateTemplateToBool:1: missing value for command".into())
}

/// One command: a function with its arguments (the previous command's value last), or a value.
fn command(toks: &[Tok], prev: Option<Val>, facts: &Facts) -> Result<Val, String> {
    let mut i = 0;
    let head = toks.first().cloned();
    if let Some(Tok::Ident(name)) = &head
        && !matches!(name.as_str(), "true" | "false" | "nil")
    {
        i += 1;
        let mut args = Vec::new();
        while i < toks.len() {
            args.push(operand(toks, &mut i, facts)?);
        }
        if let Some(p) = prev {
            args.push(p);
        }
        return call(name, args, facts);
    }
    let v = operand(toks, &mut i, facts)?;
    if i < toks.len() || prev.is_some() {
        return Err(
            "template: EvaluateTemplateToBool:1: can't give argument to non-function".into(),
        );
    }
    Ok(v)
}

fn operand(toks: &[Tok], i: &mut usize, facts: &Facts) -> Result<Val, String> {
    let t = toks.get(*i).cloned();
    *i += 1;
    match t {
        Some(Tok::Str(s)) => Ok(Val::Str(s)),
        Some(Tok::Num(n)) => number_val(&n),
        Some(Tok::Ident(k)) if k == "true" => Ok(Val::Bool(true)),
        Some(Tok::Ident(k)) if k == "false" => Ok(Val::Bool(false)),
        Some(Tok::Ident(k)) if k == "nil" => {
            Err("template: EvaluateTemplateToBool:1: nil is not a command".into())
        }
        Some(Tok::Ident(f)) => {
            // A function as an argument is called without arguments.
            call(&f, Vec::new(), facts)
        }
        Some(Tok::Field(path)) => field(&path, facts),
        Some(Tok::LParen) => {
            let mut depth = 1;
            let start = *i;
            while *i < toks.len() {
                match toks[*i] {
                    Tok::LParen => depth += 1,
                    Tok::RParen => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                *i += 1;
            }
            let inner = &toks[start..*i];
            *i += 1;
            let cmds: Vec<Vec<Tok>> = inner
                .split(|t| *t == Tok::Pipe)
                .map(<[Tok]>::to_vec)
                .collect();
            if cmds.iter().any(Vec::is_empty) {
                return Err(
                    "template: EvaluateTemplateToBool:1: missing value for parenthesized pipeline"
                        .into(),
                );
            }
            pipeline(&cmds, facts)
        }
        Some(Tok::Var(_)) => Ok(Val::Struct),
        _ => Err("template: EvaluateTemplateToBool:1: missing value for command".into()),
    }
}

fn number_val(n: &str) -> Result<Val, String> {
    let plain = n.replace('_', "");
    let (neg, body) = match plain.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, plain.trim_start_matches('+').to_string()),
    };
    let lower = body.to_ascii_lowercase();
    let int = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else if lower.len() > 1 && lower.starts_with('0') && lower.bytes().all(|c| c.is_ascii_digit())
    {
        i64::from_str_radix(&lower[1..], 8).ok()
    } else {
        lower.parse::<i64>().ok()
    };
    if let Some(v) = int {
        return Ok(Val::Int(if neg { -v } else { v }));
    }
    match lower.parse::<f64>() {
        // text/template parse/node.go newNumber: a float parse of an integer's text is an overflow.
        Ok(_) if !n.contains(['.', 'e', 'E', 'p', 'P']) => Err(format!(
            "template: EvaluateTemplateToBool:1: integer overflow: \"{n}\""
        )),
        Ok(f) => Ok(Val::Float(if neg { -f } else { f })),
        Err(_) => Err(format!(
            "template: EvaluateTemplateToBool:1: bad number syntax: \"{n}\""
        )),
    }
}

/// A field of TemplateDataModel (template_util.go:17); PullRequestID is never set (:53).
fn field(path: &[String], facts: &Facts) -> Result<Val, String> {
    let Some(first) = path.first() else {
        return Ok(Val::Struct);
    };
    let v = match first.as_str() {
        "IsCI" => Val::Bool(facts.ci),
        "IsPR" => Val::Bool(facts.pr),
        "IsBuildFailed" => Val::Bool(facts.build_failed),
        "IsBuildOK" => Val::Bool(!facts.build_failed),
        "PullRequestID" => Val::Str(String::new()),
        "BuildResults" => return Err(unsupported(".BuildResults")),
        other => {
            return Err(format!(
                "template: EvaluateTemplateToBool:1: can't evaluate field {other} in type bitrise.TemplateDataModel"
            ));
        }
    };
    if path.len() > 1 {
        return Err(format!(
            "template: EvaluateTemplateToBool:1: can't evaluate field {} in type {}",
            path[1],
            v.kind()
        ));
    }
    Ok(v)
}

fn unknown_of(args: &[Val]) -> Option<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for a in args {
        if let Val::Unknown(n) = a {
            names.extend(n.iter().cloned());
        }
    }
    (!names.is_empty()).then_some(names)
}

fn want_str(f: &str, v: &Val) -> Result<String, String> {
    match v {
        Val::Str(s) => Ok(s.clone()),
        other => Err(format!(
            "template: EvaluateTemplateToBool:1: error calling {f}: wrong type for value; expected string; got {}",
            other.kind()
        )),
    }
}

fn arity(f: &str, args: &[Val], want: usize) -> Result<(), String> {
    if args.len() != want {
        return Err(format!(
            "template: EvaluateTemplateToBool:1: wrong number of args for {f}: want {want} got {}",
            args.len()
        ));
    }
    Ok(())
}

fn call(f: &str, args: Vec<Val>, facts: &Facts) -> Result<Val, String> {
    match f {
        "getenv" | "enveq" | "envcontain" => {
            arity(f, &args, if f == "getenv" { 1 } else { 2 })?;
            // Argument types are checked before the call, as Go does.
            for a in &args {
                if !matches!(a, Val::Unknown(_)) {
                    want_str(f, a)?;
                }
            }
            if let Some(names) = unknown_of(&args) {
                return Ok(Val::Unknown(names));
            }
            let key = args[0].print();
            // getEnv (template_util.go:26): the step's env list, else the process env.
            let Some(value) = (facts.env)(&key) else {
                return Ok(Val::Unknown(BTreeSet::from([key])));
            };
            let other = args.get(1).map(Val::print).unwrap_or_default();
            Ok(match f {
                "getenv" => Val::Str(value),
                "enveq" => Val::Bool(value == other),
                _ => Val::Bool(value.contains(&other)),
            })
        }
        "not" => {
            arity(f, &args, 1)?;
            Ok(match args[0].truth() {
                Some(t) => Val::Bool(!t),
                None => args[0].clone(),
            })
        }
        "and" | "or" => {
            if args.is_empty() {
                return Err(format!(
                    "template: EvaluateTemplateToBool:1: wrong number of args for {f}: want at least 1 got 0"
                ));
            }
            let stop_on = f == "or";
            let last = args.len() - 1;
            for (i, a) in args.iter().enumerate() {
                match a.truth() {
                    None => return Ok(a.clone()),
                    Some(t) if t == stop_on || i == last => return Ok(a.clone()),
                    _ => {}
                }
            }
            Ok(Val::Nil)
        }
        "eq" => {
            if args.len() < 2 {
                return Err("template: EvaluateTemplateToBool:1: error calling eq: missing argument for comparison".into());
            }
            let mut any_unknown = None;
            for b in &args[1..] {
                match compare(&args[0], b)? {
                    Some(std::cmp::Ordering::Equal) => return Ok(Val::Bool(true)),
                    Some(_) => {}
                    None => any_unknown = unknown_of(&[args[0].clone(), b.clone()]),
                }
            }
            Ok(any_unknown.map(Val::Unknown).unwrap_or(Val::Bool(false)))
        }
        "ne" | "lt" | "le" | "gt" | "ge" => {
            arity(f, &args, 2)?;
            if matches!(f, "lt" | "le" | "gt" | "ge")
                && matches!((&args[0], &args[1]), (Val::Bool(_), _) | (_, Val::Bool(_)))
            {
                return Err(format!(
                    "template: EvaluateTemplateToBool:1: error calling {f}: invalid type for comparison"
                ));
            }
            let Some(o) = compare(&args[0], &args[1])? else {
                return Ok(Val::Unknown(unknown_of(&args).unwrap_or_default()));
            };
            use std::cmp::Ordering::*;
            Ok(Val::Bool(match f {
                "ne" => o != Equal,
                "lt" => o == Less,
                "le" => o != Greater,
                "gt" => o == Greater,
                _ => o != Less,
            }))
        }
        "len" => {
            arity(f, &args, 1)?;
            match &args[0] {
                Val::Str(s) => Ok(Val::Int(s.len() as i64)),
                Val::Unknown(n) => Ok(Val::Unknown(n.clone())),
                other => Err(format!(
                    "template: EvaluateTemplateToBool:1: error calling len: len of type {}",
                    other.kind()
                )),
            }
        }
        "print" | "println" => {
            if let Some(n) = unknown_of(&args) {
                return Ok(Val::Unknown(n));
            }
            // fmt.Sprint adds spaces between operands when neither is a string.
            let mut s = String::new();
            for (i, a) in args.iter().enumerate() {
                if f == "println" && i > 0
                    || f == "print"
                        && i > 0
                        && !matches!(a, Val::Str(_))
                        && !matches!(args[i - 1], Val::Str(_))
                {
                    s.push(' ');
                }
                s.push_str(&a.print());
            }
            if f == "println" {
                s.push('\n');
            }
            Ok(Val::Str(s))
        }
        other => Err(unsupported(other)),
    }
}

/// Go's eq/lt on basic kinds (text/template funcs.go): same kind, or ints with floats refused.
fn compare(a: &Val, b: &Val) -> Result<Option<std::cmp::Ordering>, String> {
    use std::cmp::Ordering;
    Ok(Some(match (a, b) {
        (Val::Unknown(_), _) | (_, Val::Unknown(_)) => return Ok(None),
        (Val::Str(x), Val::Str(y)) => x.cmp(y),
        (Val::Bool(x), Val::Bool(y)) => x.cmp(y),
        (Val::Int(x), Val::Int(y)) => x.cmp(y),
        (Val::Float(x), Val::Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Less),
        (x, y) => {
            return Err(format!(
                "template: EvaluateTemplateToBool:1: error calling eq: incompatible types for comparison: {} and {}",
                x.kind(),
                y.kind()
            ));
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expr: &str) -> Result<Output, String> {
        let env = |_: &str| Some(String::new());
        evaluate(
            expr,
            &Facts {
                ci: true,
                pr: false,
                build_failed: false,
                env: &env,
            },
        )
    }

    #[test]
    fn what_go_text_template_refuses_fails_the_step() {
        for t in [
            "$I1",
            "$LATER/AuthKey.p8",
            "${",
            "$1x",
            "<nil>",
            "0118567412",
            "$A$B",
            "$CONN",
            "$-",
        ] {
            assert!(eval(t).is_err(), "{t}: {:?}", eval(t));
        }
    }
}
