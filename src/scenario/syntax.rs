//! Reading scenario text into its shape ([`schema::Scenario`]), and the
//! errors of text that does not parse: each placed at the line and column it
//! is about (RON places some of its own errors elsewhere) and shown with an
//! excerpt of the line and a caret under the column.

use super::{ScenarioError, schema, text};
use std::path::Path;

/// Parses scenario text into the file's shape, before any rule is checked.
pub(super) fn parse_schema(bytes: &[u8], path: &Path) -> Result<schema::Scenario, ScenarioError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        // The bytes before the first bad one are valid text: count characters, as RON does.
        let before = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
        let (line, column) = text::position(before, before.len());
        let message = "the file is not valid UTF-8".into();
        // The line shown with the bad bytes as U+FFFD, after the characters counted.
        let excerpt = excerpt(&String::from_utf8_lossy(bytes), line, column);
        ScenarioError::Parse { path: path.into(), line, column, message, excerpt }
    })?;
    let error = |shown: &str, (line, column), message| ScenarioError::Parse {
        path: path.into(),
        line,
        column,
        message,
        excerpt: excerpt(shown, line, column),
    };
    if let Some(at) = text::first_lone_cr(text) {
        // Shown up to the carriage return and with it (as `␍`): past it, the
        // excerpt's line is the rest of the file.
        return Err(error(&text[..=at], text::position(text, at), LONE_CR.into()));
    }
    read_ron(text).map_err(|(at, message)| error(text, at, message))
}

/// Why a file with a lone carriage return is refused (see [`text::first_lone_cr`]).
const LONE_CR: &str =
    "a carriage return without a line feed (old Mac line endings): save the file with LF or CRLF line endings";

/// The scenario in `text`, or its first error as line, column and message:
/// RON's error, placed where it is about, or a number literal RON would
/// read as infinity, whichever comes first in the file.
fn read_ron(text: &str) -> Result<schema::Scenario, ((usize, usize), String)> {
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let parsed = options.from_str(text).map_err(|e| {
        let at = located(text, &e);
        (at, message(text, at, &e))
    });
    let parsed = parsed.map_err(|(at, message)| unclosed_string(text, at, &message).unwrap_or((at, message)));
    let Some((at, literal)) = text::first_overflow(text) else { return parsed };
    let at = text::position(text, at);
    match parsed {
        // At the same place, RON's message is the one about the field's type
        // (a whole number out of bounds).
        Err(e) if e.0 <= at => Err(e),
        _ => Err((at, out_of_range(literal))),
    }
}

/// An error at `at` placed at a string before it that runs over a line end:
/// its closing quote is likely missing, and RON read on to the next quote,
/// where what followed made no sense.
fn unclosed_string(text: &str, at: (usize, usize), message: &str) -> Option<((usize, usize), String)> {
    let start = text::first_multiline_string(text, text::offset(text, at))?;
    let (line, column) = at;
    Some((
        text::position(text, start),
        format!(
            "this string is not closed on its line (is its closing `\"` missing?); reading on, the parser \
             found at {line}:{column}: {message}"
        ),
    ))
}

/// RON's message, except where it misleads or says too little. A value
/// where a name belongs (`progress: 1.6` for `progress: All(1.6)`,
/// `Total(200, 20)` for `Total(n: 200, weeks: 20)`) makes RON suggest a raw
/// identifier, which no scenario needs. For whole numbers (every one a `u32`,
/// but the seed a `u64`) RON says only what went wrong, not what was
/// expected: a negative one, one too large, one written with an exponent,
/// and one with a decimal point, which RON reads as the number followed by
/// stray text (at `at`, where the error is placed); a base prefix, which
/// RON reads only in whole numbers, read as `0` followed by stray text.
fn message(text: &str, at: (usize, usize), e: &ron::error::SpannedError) -> String {
    const WHOLE: &str = "a count, a number of weeks or the seed";
    let code = &e.code;
    let rest = &text[text::offset(text, at)..];
    let stopped_at = text::offset(text, (e.span.start.line, e.span.start.col));
    let after_digit = || text[..text.len() - rest.len()].ends_with(|c: char| c.is_ascii_digit());
    match code {
        // The name as read, cut if long (a name may be as long as the file).
        ron::Error::Message(m) => schema::declared_twice_name(m)
            .map_or_else(|| m.clone(), |name| format!("{} is declared twice", text::quoted(&name))),
        ron::Error::SuggestRawIdentifier(found) => format!(
            "expected a name, found `{found}`: a field is written `name: value` (as in `Total(n: 200, weeks: 20)`), \
             and a choice by its name (as in `All(1.6)` or `Value(0.8)`)"
        ),
        ron::Error::IntegerOutOfBounds if rest.starts_with('-') => {
            format!("a negative number where a whole number of 0 or more is expected ({WHOLE})")
        }
        ron::Error::IntegerOutOfBounds => format!(
            "a whole number too large for its field: the seed may be at most {}, any other whole number {}",
            u64::MAX,
            u32::MAX
        ),
        ron::Error::InvalidIntegerDigit { digit: 'e' | 'E', base: 10 } => {
            format!("a whole number is expected here, written without an exponent (1000, not 1e3; {WHOLE})")
        }
        ron::Error::ExpectedComma if rest.starts_with('.') && after_digit() => {
            format!("a whole number is expected here, without a decimal point ({WHOLE})")
        }
        ron::Error::ExpectedComma if base_prefix_start(text, stopped_at).is_some() => {
            "a number with a base prefix (0x, 0o or 0b), which only whole-number fields read: write this one in \
             decimal (16, not 0x10)"
                .to_string()
        }
        ron::Error::ExpectedComma => expected_comma(text, e).unwrap_or_else(|| code.to_string()),
        ron::Error::ExpectedStructLike => match variant_before(&text[..text.len() - rest.len()]) {
            Some(name) => format!(
                "Expected opening `(` after `{name}`: a choice with named settings takes them in parentheses, \
                 `{name}(...)`, and is written `{name}()` when every one has a default"
            ),
            None => code.to_string(),
        },
        ron::Error::MissingStructField { field, outer } => {
            // The struct's place in the file, which its closing line may not show.
            let place = text::field_path(text, text::offset(text, at), false).map(|p| format!("({p}) "));
            let outer = outer.as_deref().map_or_else(String::new, |o| format!("`{o}` "));
            let outer = format!("{outer}{}", place.unwrap_or_default());
            format!(
                "{outer}is missing its field `{field}`, which has no default: add `{field}: ...` before the closing `)`"
            )
        }
        ron::Error::ExpectedArray => {
            "Expected opening `[`: a list is written in brackets, even of one value (`horizons: [104]`)".to_string()
        }
        ron::Error::ExpectedInteger | ron::Error::ExpectedFloat if rest.starts_with('"') => {
            format!("{code}, found a quoted string: write the value without quotes (`3`, not `\"3\"`)")
        }
        ron::Error::ExpectedBoolean if rest.starts_with('"') => {
            format!("{code}, found a quoted string: write `true` or `false`, without quotes")
        }
        ron::Error::ExpectedBoolean => format!("{code}: `true` or `false`"),
        ron::Error::ExpectedString => format!("{code}: a name is written in double quotes (`\"North\"`)"),
        ron::Error::ExpectedNamedStructLike(name) => format!(
            "{code}: a `{name}` is written with its fields in parentheses, `(field: value, ...)` \
             (docs/scenarios.md lists them)"
        ),
        ron::Error::Eof => "the file ends before the scenario is complete (is a value, or a closing `)` or `]`, \
                            missing after this?)"
            .to_string(),
        code => code.to_string(),
    }
}

/// Where RON's error is about. RON places an error where it last read, which
/// for text after the scenario is the scenario's closing `)`, for a map key
/// given twice (found only once the key is read) the key's end, and at the
/// end of a file whose last line is a comment, within that comment.
fn located(text: &str, e: &ron::error::SpannedError) -> (usize, usize) {
    let at = ron_located(text, e);
    if matches!(e.code, ron::Error::UnclosedBlockComment) {
        return at;
    }
    let offset = text::outside_comment(text, text::offset(text, at));
    // The end of a CRLF line is its `\r`, as the end of an LF line is its `\n`.
    let crlf = text[..offset].ends_with('\r') && text[offset..].starts_with('\n');
    text::position(text, if crlf { offset - 1 } else { offset })
}

/// Where RON's error is about, before leaving comments (see [`located`]).
fn ron_located(text: &str, e: &ron::error::SpannedError) -> (usize, usize) {
    let (start, end) = ((e.span.start.line, e.span.start.col), (e.span.end.line, e.span.end.col));
    match &e.code {
        ron::Error::TrailingCharacters => end,
        // Placed after the last thing read, not past a last line's comment.
        ron::Error::Eof => text::end_of_token_before(text, text.len()).map_or(start, |at| text::position(text, at)),
        // RON places it where it stopped reading, in a comment after the `/*` left open.
        ron::Error::UnclosedBlockComment => {
            text::first_unclosed_comment(text).map_or(start, |at| text::position(text, at))
        }
        ron::Error::IntegerOutOfBounds | ron::Error::InvalidIntegerDigit { .. } => with_sign(text, start),
        // A decimal field read `0` of `0x10` and stopped at the `x`.
        ron::Error::ExpectedComma => base_prefix_start(text, text::offset(text, start))
            .map_or_else(|| after_value(text, e, start), |at| with_sign(text, text::position(text, at))),
        ron::Error::Message(m) => schema::declared_twice_name(m)
            .and_then(|name| text::key_start(text, text::offset(text, end), &name))
            .map_or(start, |at| text::position(text, at)),
        // About the value that follows: placed at it, not at the blank before.
        ron::Error::ExpectedArray
        | ron::Error::ExpectedBoolean
        | ron::Error::ExpectedChar
        | ron::Error::ExpectedFloat
        | ron::Error::ExpectedInteger
        | ron::Error::ExpectedOption
        | ron::Error::ExpectedMap
        | ron::Error::ExpectedStructLike
        | ron::Error::ExpectedNamedStructLike(_)
        | ron::Error::ExpectedUnit
        | ron::Error::ExpectedString
        | ron::Error::ExpectedIdentifier => text::position(text, text::skip_blank(text, text::offset(text, start))),
        _ => start,
    }
}

/// The name of a choice (an enum variant, capitalised) that `before` ends
/// with, past blanks: where RON expected the `(` of a struct variant.
fn variant_before(before: &str) -> Option<&str> {
    let before = before.trim_end();
    let start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
    let name = &before[start..];
    name.starts_with(|c: char| c.is_ascii_uppercase()).then_some(name)
}

/// Where RON, expecting a comma, found something it could not place: the
/// end of the file, or a value on a later line than the one before it.
/// Each holds the offset where the value before ends, where the comma (or
/// a closing bracket) belongs; the second, also where what follows starts.
enum CommaMissing {
    AtEndOfFile { after: usize },
    AtLineEnd { after: usize, next: usize },
}

/// What RON's "Expected comma" `e` is about, if it is a comma or bracket
/// left off at a line's end or at the end of the file; `None` where RON
/// stopped at something on the same line, where its own position is right.
/// RON's span ends at the end of the file when it ran out of text; it then
/// starts on the file's last character, perhaps in a comment.
fn comma_missing(text: &str, e: &ron::error::SpannedError) -> Option<CommaMissing> {
    if text::offset(text, (e.span.end.line, e.span.end.col)) == text.len() {
        let after = text::end_of_token_before(text, text.len())?;
        return Some(CommaMissing::AtEndOfFile { after });
    }
    let stopped = text::offset(text, (e.span.start.line, e.span.start.col));
    let next = text::skip_blank(text, text::outside_comment(text, stopped));
    let after = text::end_of_token_before(text, next)?;
    (after <= next && text[after..next].contains('\n')).then_some(CommaMissing::AtLineEnd { after, next })
}

/// RON's "Expected comma" placed right after the value before it, if it is
/// one [`comma_missing`] finds: a comma left off at a line's end is shown
/// there, not at the start of the next line, and a bracket left unclosed
/// at the value it should follow, not on the file's last character.
fn after_value(text: &str, e: &ron::error::SpannedError, start: (usize, usize)) -> (usize, usize) {
    match comma_missing(text, e) {
        Some(CommaMissing::AtEndOfFile { after } | CommaMissing::AtLineEnd { after, .. }) => {
            text::position(text, after)
        }
        None => start,
    }
}

/// The message for an "Expected comma" [`after_value`] placed after the
/// value before it; `None` for one RON placed right.
fn expected_comma(text: &str, e: &ron::error::SpannedError) -> Option<String> {
    match comma_missing(text, e)? {
        CommaMissing::AtEndOfFile { .. } => Some(
            "the file ends where a comma or a closing bracket is expected after this value (is a `)` or `]` \
             missing?)"
                .to_string(),
        ),
        CommaMissing::AtLineEnd { next, .. } => {
            let (line, column) = text::position(text, next);
            Some(format!(
                "Expected comma after this value (or a bracket closing its list), before what follows at \
                 {line}:{column}"
            ))
        }
    }
}

/// Where the number whose error RON placed at `at` starts: RON places a
/// number's errors after its sign and after a base prefix (`0x`, `0o`, `0b`),
/// where a number out of range is placed at its start.
fn with_sign(text: &str, at: (usize, usize)) -> (usize, usize) {
    let mut offset = text::offset(text, at);
    if ["0x", "0o", "0b"].iter().any(|p| text[..offset].ends_with(p)) {
        offset -= 2;
    }
    if text[..offset].ends_with(['-', '+']) {
        offset -= 1;
    }
    text::position(text, offset)
}

/// The offset of the `0` of a base prefix (`0x`, `0o`, `0b`) whose letter is
/// at `offset`, if the `0` stands alone (not the end of `10` or `1.0`).
fn base_prefix_start(text: &str, offset: usize) -> Option<usize> {
    let (before, rest) = text.split_at(offset);
    let zero = before.strip_suffix('0')?;
    let alone = !zero.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    (alone && rest.starts_with(['x', 'o', 'b'])).then_some(zero.len())
}

/// The message for a number literal beyond the largest `f64`, or too small
/// to tell from 0; a long literal is cut, as the excerpt shows where it
/// starts.
fn out_of_range(literal: &str) -> String {
    let shown: String = literal.chars().take(20).collect();
    let cut = if shown.len() < literal.len() { "…" } else { "" };
    if literal.replace('_', "").parse::<f64>().is_ok_and(|v| v == 0.0) {
        return format!(
            "the number {shown}{cut} is too small to tell from 0 (the smallest positive number is about 4.9e-324): \
             write 0 if 0 is meant"
        );
    }
    format!("the number {shown}{cut} is out of range (numbers must lie within ±{:e})", f64::MAX)
}

/// The UTF-8 byte-order mark some editors write at the start of a file. It
/// is not part of the text, and RON would take it for the scenario's first
/// character; dropped before parsing, it is not counted in columns either,
/// which is what the editor shows.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Line `line` of `text` with a caret under character `column` (both
/// 1-based), so that a parse error shows the value it is about (RON's "Expected
/// comma" says little without `replicates: 2.5`). Long lines are
/// cut to 60 characters either side of the column.
fn excerpt(text: &str, line: usize, column: usize) -> String {
    const SIDE: usize = 60;
    let Some(src) = text.lines().nth(line.wrapping_sub(1)) else { return String::new() };
    // Not trimmed: an error may lie in white space at the end of a line.
    let chars: Vec<char> = src.chars().collect();
    let at = column.saturating_sub(1).min(chars.len());
    let start = at.saturating_sub(SIDE);
    let end = (at + SIDE).min(chars.len());
    let (lead, tail) = (if start > 0 { "…" } else { "" }, if end < chars.len() { "…" } else { "" });
    let shown: String = chars[start..end].iter().map(|&c| visible(c)).collect();
    // Tabs stay tabs so that the caret lines up under them; a wide character
    // (CJK, emoji) takes two columns, a combining mark none.
    let pad: String = lead
        .chars()
        .chain(chars[start..at].iter().copied())
        .map(|c| if c == '\t' { "\t" } else { &"  "[..columns(c)] })
        .collect();
    format!("\n{line:>6} | {lead}{shown}{tail}\n{:>6} | {pad}^", "")
}

/// `c` as an excerpt shows it. A control character other than a tab would
/// garble a terminal (a lone carriage return) or not show at all (a NUL), so
/// it is shown as its Unicode control picture (`␀`, `␍`, `␡`), or as `�`
/// (the C1 controls, which have none), one column wide like the character
/// it stands for. So is an invisible format character (a zero-width space,
/// a direction override, a byte order mark inside the text), which would
/// leave the caret under what looks like a valid value.
fn visible(c: char) -> char {
    match c {
        '\t' => c,
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or(char::REPLACEMENT_CHARACTER),
        '\x7f' => '\u{2421}',
        c if c.is_control() || super::validate::is_invisible_format(c) => char::REPLACEMENT_CHARACTER,
        c => c,
    }
}

/// The terminal columns `text` takes, near enough to line up a table of
/// names: 2 a character of the East Asian wide and emoji blocks, 0 a
/// combining mark, 1 any other.
pub fn display_width(text: &str) -> usize {
    text.chars().map(columns).sum()
}

/// The terminal columns a character takes, near enough to place a caret:
/// 2 for the East Asian wide and emoji blocks, 0 for combining marks, else 1.
fn columns(c: char) -> usize {
    match c {
        '\u{300}'..='\u{36f}'
        | '\u{1ab0}'..='\u{1aff}'
        | '\u{1dc0}'..='\u{1dff}'
        | '\u{20d0}'..='\u{20ff}'
        | '\u{fe20}'..='\u{fe2f}' => 0,
        '\u{1100}'..='\u{115f}'
        | '\u{2e80}'..='\u{303e}'
        | '\u{3041}'..='\u{33ff}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{a000}'..='\u{a4cf}'
        | '\u{ac00}'..='\u{d7a3}'
        | '\u{f900}'..='\u{faff}'
        | '\u{fe30}'..='\u{fe4f}'
        | '\u{ff00}'..='\u{ff60}'
        | '\u{ffe0}'..='\u{ffe6}'
        | '\u{1f300}'..='\u{1f64f}'
        | '\u{1f900}'..='\u{1f9ff}'
        | '\u{20000}'..='\u{3fffd}' => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::{base_prefix_start, excerpt};

    #[test]
    fn a_base_prefix_is_a_lone_zero_before_its_letter() {
        let at = |text: &str| base_prefix_start(text, text.find(['x', 'o', 'b']).unwrap());
        assert_eq!(at("rate: 0x10"), Some(6));
        assert_eq!(at("rate: -0b1"), Some(7));
        assert_eq!(at("(0o7"), Some(1));
        for text in ["rate: 10x1", "rate: 1.0x", "rate: a0x1", "rate: 1_0x1", "rate: 0 x1"] {
            assert_eq!(at(text), None, "{text}");
        }
    }

    #[test]
    fn an_excerpt_puts_the_caret_under_the_column() {
        assert_eq!(excerpt("a\n  x: -1,\n", 2, 6), "\n     2 |   x: -1,\n       |      ^");
        assert_eq!(excerpt("\tx: é?", 1, 6), "\n     1 | \tx: é?\n       | \t    ^");
        assert_eq!(excerpt("x", 3, 1), "", "no such line");
        assert_eq!(excerpt("a\rb", 1, 3), "\n     1 | a␍b\n       |   ^", "a lone carriage return");
        // A NUL, DEL or C1 control would not show, or would move the caret.
        assert_eq!(excerpt("(ra\0tes: 1)", 1, 4), "\n     1 | (ra␀tes: 1)\n       |    ^");
        assert_eq!(excerpt("seed: \u{200b}7,", 1, 7), "\n     1 | seed: �7,\n       |       ^");
        assert_eq!(excerpt("a\x7f\u{85}b", 1, 4), "\n     1 | a␡�b\n       |    ^");
        assert_eq!(excerpt("日本: -1", 1, 5), "\n     1 | 日本: -1\n       |       ^", "wide characters");
        assert_eq!(excerpt("e\u{301}: -1", 1, 5), "\n     1 | e\u{301}: -1\n       |    ^", "a combining mark");
        assert_eq!(excerpt("x:  ", 1, 4), "\n     1 | x:  \n       |    ^", "at trailing white space");
    }

    #[test]
    fn text_that_is_not_utf8_is_located_in_characters() {
        let e = crate::scenario::parse(b"(\n  name: \"\xc3\xa9\xff\",\n)", std::path::Path::new("u.ron")).unwrap_err();
        // The line is shown with the bad byte as U+FFFD, the caret under it.
        assert_eq!(
            e.to_string(),
            "u.ron:2:11: the file is not valid UTF-8\n     2 |   name: \"é\u{fffd}\",\n       |           ^"
        );
    }

    #[test]
    fn a_leading_byte_order_mark_is_not_text() {
        let error = |text: &str| {
            crate::scenario::parse(text.as_bytes(), std::path::Path::new("b.ron")).unwrap_err().to_string()
        };
        // The same line and column, and the same excerpt, as without the mark.
        assert_eq!(error("\u{feff}Scenario(name: 1)"), error("Scenario(name: 1)"));
        let e = crate::scenario::parse(b"\xef\xbb\xbf(\xff", std::path::Path::new("b.ron")).unwrap_err();
        assert_eq!(e.to_string(), "b.ron:1:2: the file is not valid UTF-8\n     1 | (\u{fffd}\n       |  ^");
    }

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let line = "y".repeat(300);
        let e = excerpt(&line, 1, 100);
        assert_eq!(e.lines().nth(1).unwrap(), format!("     1 | …{}…", "y".repeat(120)));
        // The gutter, then one space for the ellipsis and 60 for the characters before the column.
        assert_eq!(e.lines().nth(2).unwrap(), format!("       | {}^", " ".repeat(61)));
    }
}
