//! How kustomize's output spells a float: the JSON number it writes, read back and printed by
//! go-yaml v2 ([`format_float`]), from the shortest round-trip digits (`Digits`).

use std::fmt::Write as _;

/// How a float prints: the JSON number kustomize writes for it, read back by go-yaml v2 and
/// printed by it. Integral values below 1e21 become integers when their shortest decimal digits
/// fit an int64 or uint64 (`1e3` → `1000`, `2^63` → `9223372036854776000`, `-0.0` → `0`); all
/// other values print like Go's `strconv.FormatFloat(f, 'g', -1, 64)`, i.e. the shortest
/// round-trip digits, in exponent form when the exponent is below -4 or at least 6
/// (`1.2345675e+06`, `1e-06`, `0.0001`, `123456.5`, `1e+21`). NaN and the infinities (which the
/// reader rejects) print as `.nan`, `.inf` and `-.inf`.
pub fn format_float(f: f64) -> String {
    let mut s = String::new();
    write_float(&mut s, f);
    s
}

/// A small stack buffer for formatting numbers without allocating.
struct StackBuf {
    buf: [u8; 64],
    len: usize,
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The shortest round-trip decimal digits of a finite float: `0.d1d2... × 10^dp`.
#[derive(Clone, Copy)]
struct Digits {
    neg: bool,
    digits: [u8; 20],
    nd: usize,
    /// The decimal point position (Go's `decimal.dp`): the value is `0.digits × 10^dp`.
    dp: i32,
}

impl Digits {
    fn of(f: f64) -> Digits {
        let mut d = Digits { neg: f.is_sign_negative(), digits: [b'0'; 20], nd: 0, dp: 0 };
        let mut sb = StackBuf { buf: [0; 64], len: 0 };
        if write!(sb, "{:e}", f.abs()).is_err() {
            return d;
        }
        let text = &sb.buf[..sb.len];
        let mut exp: i32 = 0;
        let mut exp_neg = false;
        let mut in_exp = false;
        for &c in text {
            match c {
                b'e' => in_exp = true,
                b'-' if in_exp => exp_neg = true,
                b'0'..=b'9' if in_exp => exp = exp.saturating_mul(10).saturating_add(i32::from(c - b'0')),
                b'0'..=b'9' if d.nd < d.digits.len() => {
                    d.digits[d.nd] = c;
                    d.nd += 1;
                }
                _ => {}
            }
        }
        if exp_neg {
            exp = -exp;
        }
        // Rust prints zero as `0e0`; Go keeps no digits for it.
        if d.nd == 1 && d.digits[0] == b'0' {
            d.nd = 0;
            d.dp = 0;
        } else {
            d.dp = exp + 1;
            d.round_half_even(f.abs());
        }
        d
    }

    /// Rust and Go both print the shortest digits that read back as the float, the closest
    /// such when there are several; when two are exactly as close, Rust takes the upper one and
    /// Go the even one. Moves to the even one in that case.
    fn round_half_even(&mut self, abs: f64) {
        let Some(last) = self.nd.checked_sub(1) else {
            return;
        };
        if self.digits[last] % 2 == 0 {
            return;
        }
        let mut lower = *self;
        lower.digits[last] -= 1;
        lower.neg = false;
        let mut text = String::new();
        lower.write_e(&mut text);
        if text.parse::<f64>().ok() != Some(abs) {
            return;
        }
        // Both read back: it is a tie only when the float lies exactly halfway, i.e. its exact
        // decimal expansion is the lower digits followed by a single 5.
        let exact = format!("{abs:.800e}");
        let mantissa = exact.split('e').next().unwrap_or("");
        let mut digits = mantissa.bytes().filter(u8::is_ascii_digit);
        let prefix_matches = lower.digits[..self.nd].iter().all(|&c| digits.next() == Some(c));
        if prefix_matches && digits.next() == Some(b'5') && digits.all(|c| c == b'0') {
            self.digits = lower.digits;
        }
    }

    fn digit(&self, i: i32) -> u8 {
        if i >= 0 && (i as usize) < self.nd {
            self.digits[i as usize]
        } else {
            b'0'
        }
    }

    /// Go's `%e` with the shortest precision: `d.ddde±XX`.
    fn write_e<W: std::fmt::Write>(&self, out: &mut W) {
        if self.neg {
            let _ = out.write_char('-');
        }
        let _ = out.write_char(char::from(self.digit(0)));
        if self.nd > 1 {
            let _ = out.write_char('.');
            for &c in &self.digits[1..self.nd] {
                let _ = out.write_char(char::from(c));
            }
        }
        let exp = if self.nd == 0 { 0 } else { self.dp - 1 };
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.unsigned_abs());
    }

    /// Go's `%f` with the shortest precision.
    fn write_f<W: std::fmt::Write>(&self, out: &mut W) {
        if self.neg {
            let _ = out.write_char('-');
        }
        if self.dp > 0 {
            for i in 0..self.dp {
                let _ = out.write_char(char::from(self.digit(i)));
            }
        } else {
            let _ = out.write_char('0');
        }
        let frac = self.nd as i32 - self.dp;
        if frac > 0 {
            let _ = out.write_char('.');
            for i in 0..frac {
                let _ = out.write_char(char::from(self.digit(self.dp + i)));
            }
        }
    }

    /// Go's `%g` with the shortest precision.
    fn write_g<W: std::fmt::Write>(&self, out: &mut W) {
        let exp = self.dp - 1;
        if self.nd > 0 && !(-4..6).contains(&exp) {
            self.write_e(out);
        } else {
            self.write_f(out);
        }
    }
}

/// Writes a float the way it comes out of kustomize (see [`format_float`]).
pub(super) fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str(".nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { ".inf" } else { "-.inf" });
        return;
    }
    let d = Digits::of(f);
    if f.trunc() == f && f.abs() < 1e21 {
        // JSON spells it as its shortest digits padded with zeros; go-yaml reads that back as
        // an int or a uint64 when it fits.
        let mut sb = StackBuf { buf: [0; 64], len: 0 };
        d.write_f(&mut sb);
        let text = std::str::from_utf8(&sb.buf[..sb.len]).unwrap_or("");
        if let Ok(i) = text.parse::<i64>() {
            let _ = write!(out, "{i}");
            return;
        }
        if let Ok(u) = text.parse::<u64>() {
            let _ = write!(out, "{u}");
            return;
        }
    }
    d.write_g(out);
}

#[cfg(test)]
mod tests {
    //! Every expected text here was printed by `kubectl kustomize` (kustomize v5.5.0) for the
    //! same data: the value under a top-level key `aa` (which sorts before `apiVersion`, so it is
    //! the first thing printed), or whole documents for the stream tests.

    use super::*;
    use crate::emit::tests::{b, check, f, i, null, u};

    #[test]
    fn floats() {
        for (v, want) in [
            (1e21, "1e+21"),
            (1e20, "1e+20"),
            (1234567.5, "1.2345675e+06"),
            (0.000001, "1e-06"),
            (0.0000001, "1e-07"),
            (1.5, "1.5"),
            (0.5, "0.5"),
            (18446744073709551616.0, "1.8446744073709552e+19"),
            (9223372036854775808.0, "9223372036854776000"),
            (-0.0, "0"),
            (1e3, "1000"),
            (f64::NAN, ".nan"),
            (f64::INFINITY, ".inf"),
            (f64::NEG_INFINITY, "-.inf"),
        ] {
            assert_eq!(format_float(v), want, "{v:e}");
        }
    }

    #[test]
    fn numbers() {
        // Integers, uint64 and floats as they come back from the JSON round trip.
        check(&[
            (i(0), "aa: 0\n"),
            (i(-1), "aa: -1\n"),
            (i(9223372036854775807), "aa: 9223372036854775807\n"),
            (i(-9223372036854775808), "aa: -9223372036854775808\n"),
            (u(9223372036854775808), "aa: 9223372036854775808\n"),
            (u(18446744073709551615), "aa: 18446744073709551615\n"),
            (f(1.0), "aa: 1\n"),
            (f(-0.0), "aa: 0\n"),
            (f(0.5), "aa: 0.5\n"),
            (f(-2.5), "aa: -2.5\n"),
            (f(0.1), "aa: 0.1\n"),
            (f(100.25), "aa: 100.25\n"),
            (f(123456.5), "aa: 123456.5\n"),
            (f(999999.5), "aa: 999999.5\n"),
            (f(1234567.5), "aa: 1.2345675e+06\n"),
            (f(12345678.9), "aa: 1.23456789e+07\n"),
            (f(0.0001), "aa: 0.0001\n"),
            (f(1e-05), "aa: 1e-05\n"),
            (f(1e-06), "aa: 1e-06\n"),
            (f(1e-07), "aa: 1e-07\n"),
            (f(1000000000000000.0), "aa: 1000000000000000\n"),
            (f(1500000000000000.0), "aa: 1500000000000000\n"),
            (f(1.2345678901234566e+17), "aa: 123456789012345660\n"),
            (f(9.223372036854776e+18), "aa: 9223372036854776000\n"),
            (f(1.8446744073709552e+19), "aa: 1.8446744073709552e+19\n"),
            (f(-1e+19), "aa: -1e+19\n"),
            (f(9.9e+20), "aa: 9.9e+20\n"),
            (f(1e+20), "aa: 1e+20\n"),
            (f(1e+21), "aa: 1e+21\n"),
            (f(1e+100), "aa: 1e+100\n"),
            (f(1.7976931348623157e+308), "aa: 1.7976931348623157e+308\n"),
            (f(5e-324), "aa: 5e-324\n"),
            (f(603005546980921.2), "aa: 6.030055469809212e+14\n"),
            (b(true), "aa: true\n"),
            (b(false), "aa: false\n"),
            (null(), "aa: null\n"),
        ]);
    }
}
