//! Strict JSON, as Go's `encoding/json` reads it: kustomize decodes a JSON 6902 patch that starts
//! with `[` as JSON, not YAML, so flow YAML such as `[{op: add, path: /a}]` is refused there.
//! The value itself is then read by the YAML reader (JSON is YAML); this module only checks.

/// Checks that `b` is one JSON value (RFC 8259) with only whitespace around it; `Err` holds the
/// offset of the first byte that does not fit. Iterative, so deep nesting cannot overflow.
pub fn validate(b: &[u8]) -> Result<(), usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Bracket {
        Array,
        Object,
    }
    let mut stack: Vec<Bracket> = Vec::new();
    let mut i = 0;
    let ws = |i: &mut usize| {
        while b.get(*i).is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
            *i += 1;
        }
    };
    let string = |i: &mut usize| -> Result<(), usize> {
        *i += 1; // the opening quote
        loop {
            match b.get(*i) {
                Some(b'"') => {
                    *i += 1;
                    return Ok(());
                }
                Some(b'\\') => match b.get(*i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => *i += 2,
                    Some(b'u') if b.get(*i + 2..*i + 6).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) => *i += 6,
                    _ => return Err(*i),
                },
                Some(c) if *c >= 0x20 => *i += 1,
                _ => return Err(*i),
            }
        }
    };
    let number = |i: &mut usize| -> Result<(), usize> {
        let digits = |i: &mut usize| {
            let start = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > start
        };
        if b.get(*i) == Some(&b'-') {
            *i += 1;
        }
        match b.get(*i) {
            Some(b'0') => *i += 1,
            Some(b'1'..=b'9') => {
                digits(i);
            }
            _ => return Err(*i),
        }
        if b.get(*i) == Some(&b'.') {
            *i += 1;
            if !digits(i) {
                return Err(*i);
            }
        }
        if matches!(b.get(*i), Some(b'e' | b'E')) {
            *i += 1;
            if matches!(b.get(*i), Some(b'+' | b'-')) {
                *i += 1;
            }
            if !digits(i) {
                return Err(*i);
            }
        }
        Ok(())
    };
    // `"key"` then `:`, whitespace between; `i` at the key's quote.
    let member_key = |i: &mut usize| -> Result<(), usize> {
        if b.get(*i) != Some(&b'"') {
            return Err(*i);
        }
        string(i)?;
        ws(i);
        if b.get(*i) != Some(&b':') {
            return Err(*i);
        }
        *i += 1;
        Ok(())
    };
    loop {
        // A value.
        ws(&mut i);
        match b.get(i) {
            Some(b'[') => {
                i += 1;
                ws(&mut i);
                if b.get(i) == Some(&b']') {
                    i += 1;
                } else {
                    stack.push(Bracket::Array);
                    continue;
                }
            }
            Some(b'{') => {
                i += 1;
                ws(&mut i);
                if b.get(i) == Some(&b'}') {
                    i += 1;
                } else {
                    member_key(&mut i)?;
                    stack.push(Bracket::Object);
                    continue;
                }
            }
            Some(b'"') => string(&mut i)?,
            Some(b't') if b[i..].starts_with(b"true") => i += 4,
            Some(b'f') if b[i..].starts_with(b"false") => i += 5,
            Some(b'n') if b[i..].starts_with(b"null") => i += 4,
            Some(b'-' | b'0'..=b'9') => number(&mut i)?,
            _ => return Err(i),
        }
        // After a value: close what ends here, or go on to the next element or member.
        loop {
            ws(&mut i);
            match (stack.last(), b.get(i)) {
                (None, None) => return Ok(()),
                (None, Some(_)) => return Err(i),
                (Some(Bracket::Array), Some(b']')) | (Some(Bracket::Object), Some(b'}')) => {
                    i += 1;
                    stack.pop();
                }
                (Some(Bracket::Array), Some(b',')) => {
                    i += 1;
                    break;
                }
                (Some(Bracket::Object), Some(b',')) => {
                    i += 1;
                    ws(&mut i);
                    member_key(&mut i)?;
                    break;
                }
                _ => return Err(i),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn only_strict_json_with_whitespace_around_it_is_valid() {
        for bad in ["[1,]", "[01]", "[\"a\" \"b\"]", "[{\"a\" 1}]", "[] x", "[\"\\q\"]", "[1.]", "[", "[{op: add}]"] {
            assert!(validate(bad.as_bytes()).is_err(), "{bad}");
        }
        assert_eq!(validate(b"[[], {}, {\"k\": [[]]}]"), Ok(()));
        assert_eq!(validate(b" [1, -2.5e3, true, null, \"\\u00e9\"]\n"), Ok(()));
    }

    #[test]
    fn deep_nesting_is_an_error_at_its_end_not_a_stack_overflow() {
        assert!(validate(&vec![b'['; 100_000]).is_err());
    }
}
