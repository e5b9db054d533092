//! A small subset of protobuf text format: messages whose fields are all scalar strings.
//!
//! Enough for the cookie (spec §5.4) and, later, the under-replication znodes (spec §7.1).
//! The encoder writes what Java's `TextFormat.printToString` writes for string fields:
//! `name: "value"\n` per present field, in field-number order, with `TextFormat.escapeBytes`
//! escaping (C escapes for `\t \n \r " ' \\` and a few controls, three-digit octal for any other
//! byte below 0x20 or above 0x7e, which includes every byte of non-ASCII UTF-8).
//! The parser accepts any whitespace between fields, `:` before the value, double- or
//! single-quoted strings with C, octal and hex escapes, and adjacent quoted strings concatenated.
//! It never panics on input and rejects anything else with a byte offset.

use super::FormatError;

/// Appends `name: "escaped value"\n` to `out`.
pub(crate) fn write_string_field(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str(": \"");
    for &byte in value.as_bytes() {
        match byte {
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x0b => out.push_str("\\v"),
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => {
                out.push('\\');
                out.push(char::from(b'0' + ((byte >> 6) & 7)));
                out.push(char::from(b'0' + ((byte >> 3) & 7)));
                out.push(char::from(b'0' + (byte & 7)));
            }
        }
    }
    out.push_str("\"\n");
}

/// A field value in text format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TextValue {
    /// A quoted string (its bytes, escapes resolved).
    Quoted(Vec<u8>),
    /// An unquoted scalar: a number, `true`/`false` or an enum name.
    Token(String),
    /// A nested message (`name { ... }`).
    Message(Vec<(String, TextValue)>),
}

/// Nesting limit for messages, so hostile input cannot exhaust the stack.
const DEPTH_MAX: usize = 8;

/// Parses `text` as a sequence of `name: "string"` fields, in the order they appear.
pub(crate) fn parse_string_fields(text: &[u8]) -> Result<Vec<(String, String)>, FormatError> {
    let mut parser = Parser { text, offset: 0 };
    let fields = parser.message(0, None)?;
    fields
        .into_iter()
        .map(|(name, value)| match value {
            TextValue::Quoted(bytes) => Ok((
                name,
                String::from_utf8(bytes).map_err(|_| FormatError::NotUtf8)?,
            )),
            _ => Err(FormatError::bad_field(
                "text format",
                format!("field {name:?} is not a quoted string"),
            )),
        })
        .collect()
}

/// Parses `text` as a text-format message with scalar, string and nested message fields.
pub(crate) fn parse_message(text: &[u8]) -> Result<Vec<(String, TextValue)>, FormatError> {
    Parser { text, offset: 0 }.message(0, None)
}

impl Parser<'_> {
    fn message(
        &mut self,
        depth: usize,
        close: Option<u8>,
    ) -> Result<Vec<(String, TextValue)>, FormatError> {
        if depth > DEPTH_MAX {
            return Err(self.error("messages nested too deeply"));
        }
        let mut fields = Vec::new();
        loop {
            self.skip_whitespace();
            match (self.peek(), close) {
                (None, None) => return Ok(fields),
                (None, Some(_)) => return Err(self.error("unterminated message")),
                (Some(b), Some(c)) if b == c => {
                    self.offset += 1;
                    return Ok(fields);
                }
                _ => {}
            }
            let name = self.identifier()?;
            self.skip_whitespace();
            let has_colon = self.eat(b':');
            self.skip_whitespace();
            let value = match self.peek() {
                Some(b'{') => {
                    self.offset += 1;
                    TextValue::Message(self.message(depth + 1, Some(b'}'))?)
                }
                Some(b'<') => {
                    self.offset += 1;
                    TextValue::Message(self.message(depth + 1, Some(b'>'))?)
                }
                _ if !has_colon => return Err(self.error("expected ':' after the field name")),
                Some(b'"') | Some(b'\'') => {
                    let mut value = self.quoted()?;
                    loop {
                        self.skip_whitespace();
                        match self.peek() {
                            Some(b'"') | Some(b'\'') => value.extend(self.quoted()?),
                            _ => break,
                        }
                    }
                    TextValue::Quoted(value)
                }
                _ => TextValue::Token(self.token()?),
            };
            fields.push((name, value));
            // Java's parser also accepts an optional ';' or ',' separator.
            self.skip_whitespace();
            let _ = self.eat(b';') || self.eat(b',');
        }
    }

    fn token(&mut self) -> Result<String, FormatError> {
        let start = self.offset;
        while let Some(byte) = self.peek() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'+' | b'.') {
                self.offset += 1;
            } else {
                break;
            }
        }
        if start == self.offset {
            return Err(self.error("expected a value"));
        }
        Ok(String::from_utf8_lossy(&self.text[start..self.offset]).into_owned())
    }
}

struct Parser<'a> {
    text: &'a [u8],
    offset: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &str) -> FormatError {
        FormatError::TextSyntax {
            offset_bytes: self.offset,
            reason: reason.to_owned(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.offset).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.offset += 1;
            true
        } else {
            false
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(byte) = self.peek() {
            if byte == b'#' {
                // A comment runs to the end of the line.
                while let Some(b) = self.peek() {
                    self.offset += 1;
                    if b == b'\n' {
                        break;
                    }
                }
            } else if byte.is_ascii_whitespace() {
                self.offset += 1;
            } else {
                break;
            }
        }
    }

    fn identifier(&mut self) -> Result<String, FormatError> {
        let start = self.offset;
        while let Some(byte) = self.peek() {
            if byte.is_ascii_alphanumeric() || byte == b'_' {
                self.offset += 1;
            } else {
                break;
            }
        }
        if start == self.offset {
            return Err(self.error("expected a field name"));
        }
        // The slice is ASCII alphanumerics and '_', so it is valid UTF-8.
        Ok(String::from_utf8_lossy(&self.text[start..self.offset]).into_owned())
    }

    fn quoted(&mut self) -> Result<Vec<u8>, FormatError> {
        let quote = match self.peek() {
            Some(q @ (b'"' | b'\'')) => q,
            _ => return Err(self.error("expected a quoted string")),
        };
        self.offset += 1;
        let mut value = Vec::new();
        loop {
            let Some(byte) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.offset += 1;
            match byte {
                b'\n' => return Err(self.error("newline inside a string")),
                b'\\' => value.push(self.escape()?),
                b if b == quote => return Ok(value),
                b => value.push(b),
            }
        }
    }

    fn escape(&mut self) -> Result<u8, FormatError> {
        let Some(byte) = self.peek() else {
            return Err(self.error("unterminated escape"));
        };
        self.offset += 1;
        Ok(match byte {
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            b'\\' => b'\\',
            b'\'' => b'\'',
            b'"' => b'"',
            b'?' => b'?',
            b'0'..=b'7' => {
                let mut code = u32::from(byte - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            self.offset += 1;
                            code = code * 8 + u32::from(d - b'0');
                        }
                        _ => break,
                    }
                }
                u8::try_from(code).map_err(|_| self.error("octal escape above \\377"))?
            }
            b'x' => {
                let mut code = 0u32;
                let mut digits = 0;
                while digits < 2 {
                    match self.peek().and_then(|d| char::from(d).to_digit(16)) {
                        Some(d) => {
                            self.offset += 1;
                            code = code * 16 + d;
                            digits += 1;
                        }
                        None => break,
                    }
                }
                if digits == 0 {
                    return Err(self.error("\\x without hex digits"));
                }
                u8::try_from(code).map_err(|_| self.error("hex escape out of range"))?
            }
            _ => return Err(self.error("unknown escape")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips_every_byte_class() {
        let value = "tab\there \"quoted\" 'single' back\\slash nl\n é \u{1}";
        let mut text = String::new();
        write_string_field(&mut text, "f", value);
        assert_eq!(text.lines().count(), 1);
        assert!(
            text.contains("\\303\\251"),
            "non-ASCII is octal-escaped: {text}"
        );
        let fields = parse_string_fields(text.as_bytes()).unwrap();
        assert_eq!(fields, vec![("f".to_owned(), value.to_owned())]);
    }

    #[test]
    fn parser_accepts_java_variants() {
        let fields = parse_string_fields(b"# c\n a : 'x\\x41' \"y\" ; b:\"\\101\"").unwrap();
        assert_eq!(
            fields,
            vec![("a".into(), "xAy".into()), ("b".into(), "A".into())]
        );
    }

    #[test]
    fn nested_messages_and_tokens_parse() {
        let fields =
            parse_message(b"a: -1\nb: OPEN\nseg {\n  m: \"x\"\n  n: 0\n}\nc < d: 1 >").unwrap();
        assert_eq!(fields[0], ("a".into(), TextValue::Token("-1".into())));
        assert_eq!(fields[1], ("b".into(), TextValue::Token("OPEN".into())));
        assert_eq!(
            fields[2],
            (
                "seg".into(),
                TextValue::Message(vec![
                    ("m".into(), TextValue::Quoted(b"x".to_vec())),
                    ("n".into(), TextValue::Token("0".into()))
                ])
            )
        );
        assert!(matches!(&fields[3].1, TextValue::Message(inner) if inner.len() == 1));
        assert!(parse_message(&b"a {".repeat(100)).is_err());
        assert!(parse_message(b"a { b: 1").is_err());
        assert!(parse_string_fields(b"a: 1").is_err());
    }

    #[test]
    fn malformed_text_is_an_error_with_an_offset() {
        for bad in [
            &b"a \"x\""[..],
            b"a: \"x",
            b"a: \"\\q\"",
            b": \"x\"",
            b"a: \"\\777\"",
        ] {
            assert!(
                matches!(
                    parse_string_fields(bad),
                    Err(FormatError::TextSyntax { .. })
                ),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
