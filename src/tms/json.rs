//! A small JSON reader and string writer. The client reads three tiny response shapes and
//! JWT segments, and writes two request bodies; a full serde_json would cost more `.wasm`
//! bytes than the rest of the crate. The reader never panics, bounds nesting depth, and
//! keeps object members in order (duplicate keys: the first wins, as in `get`).

const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }
}

/// Why a document did not parse; the position only, never the text (it may hold a token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
}

pub fn parse(text: &str) -> Result<Value, ParseError> {
    let mut p = Parser { bytes: text.as_bytes(), pos: 0 };
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos != p.bytes.len() {
        return Err(p.err());
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self) -> ParseError {
        ParseError { offset: self.pos }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect_word(&mut self, word: &[u8], value: Value) -> Result<Value, ParseError> {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(value)
        } else {
            Err(self.err())
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err());
        }
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.expect_word(b"true", Value::Bool(true)),
            Some(b'f') => self.expect_word(b"false", Value::Bool(false)),
            Some(b'n') => self.expect_word(b"null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err()),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.pos += 1; // '{'
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.err());
            }
            let key = self.string()?;
            self.skip_ws();
            if self.next() != Some(b':') {
                return Err(self.err());
            }
            let value = self.value(depth + 1)?;
            members.push((key, value));
            self.skip_ws();
            match self.next() {
                Some(b',') => continue,
                Some(b'}') => return Ok(Value::Object(members)),
                _ => return Err(self.err()),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.next() {
                Some(b',') => continue,
                Some(b']') => return Ok(Value::Array(items)),
                _ => return Err(self.err()),
            }
        }
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > s
        };
        if !digits(self) {
            return Err(self.err());
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.err());
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.err());
            }
        }
        let text = self.bytes.get(start..self.pos).and_then(|b| core::str::from_utf8(b).ok());
        text.and_then(parse_number).map(Value::Number).ok_or(ParseError { offset: start })
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self.next().and_then(|b| (b as char).to_digit(16)).ok_or(self.err())?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.pos += 1; // '"'
        let mut out = String::new();
        loop {
            // Copy the run of plain bytes in one go: it is valid UTF-8 because the input is.
            let run_start = self.pos;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            let run = self.bytes.get(run_start..self.pos).and_then(|b| core::str::from_utf8(b).ok());
            out.push_str(run.ok_or(self.err())?);
            match self.next() {
                Some(b'"') => return Ok(out),
                Some(b'\\') => {
                    let c = match self.next() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => return Err(self.err()),
                    };
                    out.push(c);
                }
                _ => return Err(self.err()), // end of input or a raw control character
            }
        }
    }

    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.next() != Some(b'\\') || self.next() != Some(b'u') {
                return Err(self.err());
            }
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(self.err());
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(code).ok_or(self.err())
    }
}

/// A JSON-style number (`-12`, `1799.0`, `1e3`). Written here because `str::parse::<f64>`
/// costs about 10 KB of `.wasm`; exact for integers up to 2^53, within an ulp otherwise,
/// which is plenty for lifetimes, timestamps and page counts.
pub fn parse_number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let negative = i == 1;
    let (mut mantissa, mut exp10) = (0u64, 0i32);
    let digits = |i: &mut usize, fraction: bool, mantissa: &mut u64, exp10: &mut i32| {
        let start = *i;
        while let Some(d) = b.get(*i).filter(|c| c.is_ascii_digit()) {
            if *mantissa < 100_000_000_000_000_000 {
                *mantissa = *mantissa * 10 + u64::from(d - b'0');
                *exp10 -= i32::from(fraction);
            } else {
                *exp10 += i32::from(!fraction);
            }
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i, false, &mut mantissa, &mut exp10) {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i, true, &mut mantissa, &mut exp10) {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        let sign = match b.get(i) {
            Some(b'-') => {
                i += 1;
                -1
            }
            Some(b'+') => {
                i += 1;
                1
            }
            _ => 1,
        };
        let start = i;
        let mut e = 0i32;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            e = (e * 10 + i32::from(d - b'0')).min(10_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp10 = exp10.saturating_add(sign * e);
    }
    if i != b.len() {
        return None;
    }
    let magnitude = mantissa as f64 * 10f64.powi(exp10.clamp(-400, 400));
    Some(if negative { -magnitude } else { magnitude })
}

/// Appends `s` as a JSON string literal (with quotes) to `out`.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                for shift in [4u32, 0] {
                    let nibble = ((c as u32) >> shift) & 0xf;
                    out.push(HEX.get(nibble as usize).map_or('0', |b| *b as char));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Builds a JSON object from string members and string-array members, in order.
pub struct ObjectWriter {
    out: String,
    first: bool,
}

impl ObjectWriter {
    pub fn new() -> Self {
        ObjectWriter { out: String::from("{"), first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_string(&mut self.out, key);
        self.out.push(':');
    }

    pub fn string(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        write_string(&mut self.out, value);
        self
    }

    pub fn strings<'a>(mut self, key: &str, values: impl IntoIterator<Item = &'a str>) -> Self {
        self.key(key);
        self.out.push('[');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            write_string(&mut self.out, v);
        }
        self.out.push(']');
        self
    }

    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

impl Default for ObjectWriter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_shapes_the_service_sends() {
        let v =
            parse(r#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00", "c": {}} "#).unwrap();
        assert_eq!(v.get("a").unwrap().as_array().unwrap().len(), 5);
        assert_eq!(v.get("a").unwrap().as_array().unwrap()[1].as_f64(), Some(-2500.0));
        assert_eq!(v.get("b").unwrap().as_str(), Some("x\"\\/\né😀"));
        assert!(v.get("c").unwrap().is_object());
        assert_eq!(v.get("missing"), None);
    }

    #[test]
    fn rejects_bad_documents_without_panicking() {
        for bad in [
            "",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "01x",
            "-",
            "1.",
            "1e",
            "\"abc",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "tru",
            "nul",
            "{} {}",
            "\"a\u{1}b\"",
            "[1 2]",
            "{\"a\":1}{\"b\":2}", // the seed's batch sample has objects without a comma
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn numbers() {
        for (text, want) in [
            ("0", 0.0),
            ("-0", 0.0),
            ("1799", 1799.0),
            ("1799.0", 1799.0),
            ("-2.5e3", -2500.0),
            ("1E2", 100.0),
            ("1e+2", 100.0),
            ("25e-1", 2.5),
            ("1542866463", 1542866463.0),
            ("9007199254740993", 9007199254740992.0),
            ("1e400", f64::INFINITY),
            ("123456789012345678901234567890", 1.2345678901234568e29),
        ] {
            let got = parse_number(text).unwrap();
            assert!(got == want || (got - want).abs() <= want.abs() * 1e-15, "{text}: {got} != {want}");
        }
        for bad in ["", "-", "+1", "1.", ".5", "1e", "1e+", "0x10", "1 ", " 1", "1.2.3", "NaN", "inf"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(10_000);
        assert!(parse(&deep).is_err());
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn first_duplicate_key_wins() {
        let v = parse(r#"{"k":1,"k":2}"#).unwrap();
        assert_eq!(v.get("k").unwrap().as_f64(), Some(1.0));
    }

    #[test]
    fn writer_escapes_and_round_trips() {
        let body =
            ObjectWriter::new().string("appName", "a\"b\\c\n\u{1}").strings("ids", ["t1", "t/2?#", "ü"]).finish();
        assert_eq!(body, r#"{"appName":"a\"b\\c\n\u0001","ids":["t1","t/2?#","ü"]}"#);
        let v = parse(&body).unwrap();
        assert_eq!(v.get("appName").unwrap().as_str(), Some("a\"b\\c\n\u{1}"));
    }
}
