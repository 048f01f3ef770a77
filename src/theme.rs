//! Themes: TOML files of semantic roles, embedded; a user file can replace one.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

pub const BUILTIN: [(&str, &str); 4] = [
    ("default", include_str!("../themes/default.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../themes/mono.toml")),
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    name: String,
    text: RawStyle,
    muted: RawStyle,
    border: RawStyle,
    focused_border: RawStyle,
    title: RawStyle,
    selection: RawStyle,
    ok: RawStyle,
    warning: RawStyle,
    error: RawStyle,
    key_hint: RawStyle,
    masked: RawStyle,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub border: Style,
    pub focused_border: Style,
    pub title: Style,
    pub selection: Style,
    pub ok: Style,
    pub warning: Style,
    pub error: Style,
    pub key_hint: Style,
    pub masked: Style,
}

fn color(text: &str) -> Result<Color, String> {
    text.parse::<Color>()
        .map_err(|_| format!("`{text}` is not a colour: use a name (red, dark_gray, light_blue…), an index 0-255 or #rrggbb"))
}

fn style(raw: &RawStyle, role: &str) -> Result<Style, String> {
    let mut s = Style::default();
    if let Some(fg) = &raw.fg {
        s = s.fg(color(fg).map_err(|e| format!("{role}.fg: {e}"))?);
    }
    if let Some(bg) = &raw.bg {
        s = s.bg(color(bg).map_err(|e| format!("{role}.bg: {e}"))?);
    }
    for m in &raw.modifiers {
        let modifier = match m.as_str() {
            "bold" => Modifier::BOLD,
            "dim" => Modifier::DIM,
            "italic" => Modifier::ITALIC,
            "underlined" => Modifier::UNDERLINED,
            "reversed" => Modifier::REVERSED,
            "crossed_out" => Modifier::CROSSED_OUT,
            other => {
                return Err(format!(
                    "{role}.modifiers: `{other}` is not one of bold, dim, italic, underlined, reversed, crossed_out"
                ));
            }
        };
        s = s.add_modifier(modifier);
    }
    Ok(s)
}

impl Theme {
    pub fn parse(text: &str) -> Result<Theme, String> {
        let raw: RawTheme = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut theme = Theme {
            name: raw.name.clone(),
            text: style(&raw.text, "text")?,
            muted: style(&raw.muted, "muted")?,
            border: style(&raw.border, "border")?,
            focused_border: style(&raw.focused_border, "focused_border")?,
            title: style(&raw.title, "title")?,
            selection: style(&raw.selection, "selection")?,
            ok: style(&raw.ok, "ok")?,
            warning: style(&raw.warning, "warning")?,
            error: style(&raw.error, "error")?,
            key_hint: style(&raw.key_hint, "key_hint")?,
            masked: style(&raw.masked, "masked")?,
        };
        // Focus and selection stay visible without colour.
        theme.selection = theme
            .selection
            .add_modifier(Modifier::REVERSED | Modifier::BOLD);
        theme.focused_border = theme.focused_border.add_modifier(Modifier::BOLD);
        Ok(theme)
    }

    pub fn builtin(name: &str) -> Option<Theme> {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, text)| Theme::parse(text).ok())
    }

    pub fn mono() -> Theme {
        Theme::builtin("mono").unwrap_or_else(|| Theme {
            name: "mono".into(),
            text: Style::default(),
            muted: Style::default(),
            border: Style::default(),
            focused_border: Style::default().add_modifier(Modifier::BOLD),
            title: Style::default().add_modifier(Modifier::BOLD),
            selection: Style::default().add_modifier(Modifier::REVERSED),
            ok: Style::default(),
            warning: Style::default(),
            error: Style::default(),
            key_hint: Style::default(),
            masked: Style::default(),
        })
    }

    /// `--theme NAME|PATH`, else the workspace setting, else default; NO_COLOR / --no-color win.
    pub fn choose(
        flag: Option<&str>,
        setting: Option<&str>,
        no_color: bool,
    ) -> Result<Theme, String> {
        if no_color {
            return Ok(Theme::mono());
        }
        let wanted = flag.or(setting).unwrap_or("default");
        if let Some(t) = Theme::builtin(wanted) {
            return Ok(t);
        }
        let text = crate::store::files::read_text_capped(
            std::path::Path::new(wanted),
            crate::store::files::SMALL_CAP,
            "theme",
        )
        .map_err(|e| {
            format!(
                "theme `{wanted}`: not a built-in theme ({}) and not a readable file ({e})",
                BUILTIN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        Theme::parse(&text).map_err(|e| format!("theme file {wanted}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses() {
        for (name, text) in BUILTIN {
            let t = Theme::parse(text).unwrap();
            assert_eq!(t.name, name);
            assert!(t.selection.add_modifier.contains(Modifier::REVERSED));
        }
        assert!(Theme::parse("name = \"x\"").is_err());
        assert!(Theme::choose(Some("nope"), None, false).is_err());
        assert_eq!(
            Theme::choose(Some("light"), None, true).unwrap().name,
            "mono"
        );
    }

    #[test]
    fn the_light_theme_draws_no_text_in_light_colours() {
        use ratatui::style::Color;
        let t = Theme::choose(Some("light"), None, false).unwrap();
        for style in [
            t.text, t.muted, t.key_hint, t.ok, t.warning, t.error, t.title,
        ] {
            assert!(
                !matches!(
                    style.fg,
                    Some(
                        Color::Gray
                            | Color::White
                            | Color::LightYellow
                            | Color::LightGreen
                            | Color::LightCyan
                    )
                ),
                "{style:?}"
            );
        }
    }
}
