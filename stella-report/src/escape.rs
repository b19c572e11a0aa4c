//! Escaping of untrusted text for HTML and Markdown, and small formatting helpers.

use stella_core::Timestamp;

/// Appends `text` escaped for HTML text and double- or single-quoted attribute values. Control
/// characters other than tab and newline become U+FFFD, so nothing can end an element, an
/// attribute or a comment, or start a character reference.
pub(crate) fn push_html(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// `text` escaped for HTML.
pub(crate) fn html(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 8);
    push_html(&mut s, text);
    s
}

/// `text` as Markdown text that renders as itself: every ASCII punctuation character is
/// backslash-escaped (so no emphasis, link, autolink, code span, table cell break or raw HTML
/// can start), line breaks and control characters become spaces.
pub(crate) fn markdown(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            s.push('\\');
            s.push(c);
        } else if c.is_control() {
            s.push(' ');
        } else {
            s.push(c);
        }
    }
    s
}

/// `text` as a Markdown code span when it is plain (digests, versions, ids), else escaped text.
pub(crate) fn markdown_code(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":._/@+-~".contains(c));
    if plain {
        format!("`{text}`")
    } else {
        markdown(text)
    }
}

/// The first 12 hex digits of a `sha256:` digest, for labels (`sha256:0123456789ab…`).
pub(crate) fn short_digest(digest: &str) -> String {
    match digest.strip_prefix("sha256:") {
        Some(hex) if hex.len() > 12 => {
            format!("sha256:{}…", hex.chars().take(12).collect::<String>())
        }
        _ => digest.chars().take(24).collect(),
    }
}

/// Whole days from `from` to `to` (negative when `to` is earlier), rounded toward zero.
pub(crate) fn days_between(from: Timestamp, to: Timestamp) -> i64 {
    (to.unix_seconds() - from.unix_seconds()) / 86_400
}
