//! Positions in scenario text, and scans of the text for what the RON
//! parser places badly or lets through.
//!
//! Positions are counted as RON counts them, so that they compare with its
//! errors' positions: lines end at `\n`, and columns count characters, both
//! from 1.

/// The line and column of byte `offset` of `text`.
pub(super) fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.chars().rev().take_while(|&c| c != '\n').count() + 1;
    (line, column)
}

/// The byte offset of `line` and `column` in `text`: the inverse of
/// [`position`], or the end of the text for a place past it.
pub(super) fn offset(text: &str, (line, column): (usize, usize)) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = &text[start..];
    rest.char_indices().map(|(i, _)| start + i).chain([text.len()]).nth(column.saturating_sub(1)).unwrap_or(text.len())
}

/// The first string literal that ends at `end` and reads as `name`: a key
/// the parser has just read, found from its end. Candidates are tried from
/// the nearest back; none inside the literal reads as the whole name, so the
/// first that does is where the key starts.
pub(super) fn key_start(text: &str, end: usize, name: &str) -> Option<usize> {
    let before = text.get(..end)?;
    before
        .char_indices()
        .rev()
        .filter(|&(_, c)| c == '"' || c == 'r')
        .map(|(i, _)| i)
        .find(|&i| ron::from_str::<String>(&before[i..]).is_ok_and(|s| s == name))
}

/// The byte offset of the first carriage return not followed by a line feed.
/// RON ends lines and `//` comments only at `\n`, so a file with old Mac line
/// endings reads as one line, its first comment runs to the end of the file,
/// and every position is wrong: such a file is refused at its first lone CR.
pub(super) fn first_lone_cr(text: &str) -> Option<usize> {
    text.match_indices('\r').map(|(i, _)| i).find(|&i| !text[i + 1..].starts_with('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn offsets_and_positions_are_inverses() {
        let text = "ab\né\r\nx";
        for (at, place) in [(0, (1, 1)), (2, (1, 3)), (3, (2, 1)), (5, (2, 2)), (7, (3, 1)), (8, (3, 2))] {
            assert_eq!(position(text, at), place);
            assert_eq!(offset(text, place), at);
        }
        assert_eq!(offset(text, (9, 9)), text.len(), "past the end");
    }

    #[test]
    fn a_key_is_found_from_its_end_however_it_is_written() {
        for key in [r#""a\"b""#, r##"r#"a"b"#"##, r#""\u{61}\"b""#] {
            let text = format!("{{\"x\": 1, {key}");
            assert_eq!(key_start(&text, text.len(), "a\"b"), Some(9), "{key}");
        }
        assert_eq!(key_start("\"a\"", 3, "b"), None);
    }

    #[test]
    fn only_lone_carriage_returns_are_found() {
        assert_eq!(first_lone_cr("a\r\nb\r\n"), None);
        assert_eq!(first_lone_cr("a\r\nb\rc\r"), Some(4));
        assert_eq!(first_lone_cr("a\r"), Some(1));
    }

    proptest! {
        /// Text made of the characters the scans treat specially never
        /// panics them or the parse, and positions map back to offsets.
        #[test]
        fn no_text_panics(text in "[\"'rb#/*\\\\\r\n0-9eE.+\\-_ a:(){}é]{0,40}") {
            let _ = first_lone_cr(&text);
            for (at, _) in text.char_indices() {
                prop_assert_eq!(offset(&text, position(&text, at)), at);
                let _ = key_start(&text, at, "a");
            }
            let _ = super::super::parse(text.as_bytes(), std::path::Path::new("p.ron"));
        }
    }
}
