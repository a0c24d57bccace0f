//! Kubernetes label selectors (`app=web,tier!=db,env in (a,b),!legacy`): the one parser
//! behind every `labelSelector` and `annotationSelector` (patch targets, replacement selectors).
//!
//! Keys must be qualified names (`[prefix/]name`) and values valid label values, as Kubernetes
//! checks them when it parses a selector.

use crate::error::{bail, Result};
use crate::yaml::node::{Map, Value};

/// One requirement of a selector.
#[derive(Clone, Debug, PartialEq)]
enum Operator {
    /// `key`: the key is present.
    Exists,
    /// `!key`: the key is absent.
    Absent,
    /// `key=v`, `key==v`, `key in (v, w)`.
    In(Vec<String>),
    /// `key!=v`, `key notin (v, w)`: absent, or present with another value.
    NotIn(Vec<String>),
    /// `key>n`, `key<n`: present with an integer value above / below `n`.
    Gt(i64),
    Lt(i64),
}

/// A parsed selector: every requirement must hold. The empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelSelector {
    reqs: Vec<(String, Operator)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Comma,
    Open,
    Close,
    Not,
    Eq,
    DoubleEq,
    NotEq,
    Gt,
    Lt,
}

fn lex(s: &str) -> Result<Vec<Tok>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            ',' => {
                chars.next();
                out.push(Tok::Comma);
            }
            '(' => {
                chars.next();
                out.push(Tok::Open);
            }
            ')' => {
                chars.next();
                out.push(Tok::Close);
            }
            '>' => {
                chars.next();
                out.push(Tok::Gt);
            }
            '<' => {
                chars.next();
                out.push(Tok::Lt);
            }
            '=' => {
                chars.next();
                if chars.peek() == Some(&'=') {
                    chars.next();
                    out.push(Tok::DoubleEq);
                } else {
                    out.push(Tok::Eq);
                }
            }
            '!' => {
                chars.next();
                if chars.peek() == Some(&'=') {
                    chars.next();
                    out.push(Tok::NotEq);
                } else {
                    out.push(Tok::Not);
                }
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, ',' | '(' | ')' | '=' | '!' | '<' | '>') {
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                out.push(Tok::Word(w));
            }
        }
    }
    Ok(out)
}

impl LabelSelector {
    /// Parses a selector; an empty string selects everything.
    pub fn parse(s: &str) -> Result<LabelSelector> {
        let toks = lex(s)?;
        let mut reqs = Vec::new();
        let mut i = 0;
        let word = |i: usize| match toks.get(i) {
            Some(Tok::Word(w)) => Some(w.clone()),
            _ => None,
        };
        while i < toks.len() {
            let req = if toks.get(i) == Some(&Tok::Not) {
                let Some(key) = word(i + 1) else { bail!("unable to parse requirement: found '!' without a key") };
                i += 2;
                (key, Operator::Absent)
            } else {
                let Some(key) = word(i) else { bail!("unable to parse requirement: expected a key") };
                i += 1;
                match toks.get(i) {
                    None | Some(Tok::Comma) => (key, Operator::Exists),
                    Some(Tok::Eq | Tok::DoubleEq) => {
                        let v = word(i + 1).unwrap_or_default();
                        i += if word(i + 1).is_some() { 2 } else { 1 };
                        (key, Operator::In(vec![v]))
                    }
                    Some(Tok::NotEq) => {
                        let v = word(i + 1).unwrap_or_default();
                        i += if word(i + 1).is_some() { 2 } else { 1 };
                        (key, Operator::NotIn(vec![v]))
                    }
                    Some(Tok::Gt | Tok::Lt) => {
                        let gt = toks.get(i) == Some(&Tok::Gt);
                        let Some(v) = word(i + 1) else { bail!("unable to parse requirement: expected a number") };
                        let Ok(n) = v.parse::<i64>() else {
                            bail!("unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer")
                        };
                        i += 2;
                        (key, if gt { Operator::Gt(n) } else { Operator::Lt(n) })
                    }
                    Some(Tok::Word(w)) if w == "in" || w == "notin" => {
                        let negate = w == "notin";
                        i += 1;
                        if toks.get(i) != Some(&Tok::Open) {
                            bail!("unable to parse requirement: expected '(' after '{w}'");
                        }
                        i += 1;
                        let mut vals = Vec::new();
                        loop {
                            match toks.get(i) {
                                Some(Tok::Word(v)) => {
                                    vals.push(v.clone());
                                    i += 1;
                                }
                                Some(Tok::Comma) => i += 1,
                                Some(Tok::Close) => {
                                    i += 1;
                                    break;
                                }
                                _ => bail!("unable to parse requirement: expected ')'"),
                            }
                        }
                        (key, if negate { Operator::NotIn(vals) } else { Operator::In(vals) })
                    }
                    Some(_) => bail!("unable to parse requirement: unexpected token after '{key}'"),
                }
            };
            check_requirement(&req)?;
            reqs.push(req);
            match toks.get(i) {
                None => {}
                Some(Tok::Comma) => {
                    i += 1;
                    if i == toks.len() {
                        bail!("unable to parse requirement: found ',' at the end");
                    }
                }
                Some(_) => bail!("unable to parse requirement: expected ','"),
            }
        }
        Ok(LabelSelector { reqs })
    }

    /// Whether a label (or annotation) map satisfies every requirement.
    ///
    /// A key whose value is a map or a list counts as absent.
    pub fn matches(&self, labels: Option<&Map>) -> bool {
        self.reqs.iter().all(|(key, op)| {
            let value = labels.and_then(|m| m.get(key)).and_then(|v| match &v.value {
                Value::Map(_) | Value::Seq(_) => None,
                _ => Some(v.scalar_text().unwrap_or_default()),
            });
            match (op, value) {
                (Operator::Exists, v) => v.is_some(),
                (Operator::Absent, v) => v.is_none(),
                (Operator::In(vals), Some(v)) => vals.contains(&v),
                (Operator::In(_), None) => false,
                (Operator::NotIn(vals), Some(v)) => !vals.contains(&v),
                (Operator::NotIn(_), None) => true,
                (Operator::Gt(n), Some(v)) => v.parse::<i64>().is_ok_and(|x| x > *n),
                (Operator::Lt(n), Some(v)) => v.parse::<i64>().is_ok_and(|x| x < *n),
                (Operator::Gt(_) | Operator::Lt(_), None) => false,
            }
        })
    }
}

/// The part of a key or value after any prefix: alphanumerics, `-`, `_`, `.`, starting and
/// ending with an alphanumeric.
fn is_name_part(s: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    alnum(s.chars().next())
        && alnum(s.chars().last())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

const NAME_RULE: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end \
                         with an alphanumeric character";

/// Kubernetes' qualified-name rule for label keys: `name` or `prefix/name`, the prefix a DNS
/// subdomain (at most 253 characters), the name at most 63.
fn check_key(key: &str) -> Result<()> {
    let bad = |why: &str| -> Result<()> { bail!("unable to parse requirement: invalid label key \"{key}\": {why}") };
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            return bad("prefix part must be non-empty");
        }
        let dns = p.len() <= 253
            && p.split('.').all(|l| {
                let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
                alnum(l.chars().next())
                    && alnum(l.chars().last())
                    && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
        if !dns {
            return bad("prefix part must be a lowercase RFC 1123 subdomain (lowercase alphanumerics, '-' and '.')");
        }
    }
    if name.is_empty() {
        return bad("name part must be non-empty");
    }
    if name.len() > 63 {
        return bad("name part must be no more than 63 characters");
    }
    if !is_name_part(name) {
        return bad(NAME_RULE);
    }
    Ok(())
}

/// Kubernetes' rule for label values: empty, or at most 63 characters of a name part.
fn check_value(key: &str, value: &str) -> Result<()> {
    if !value.is_empty() && (value.len() > 63 || !is_name_part(value)) {
        bail!(
            "unable to parse requirement: invalid label value: \"{value}\": at key: \"{key}\": a valid label must be \
             an empty string or consist of at most 63 alphanumeric characters, '-', '_' or '.', and must start and \
             end with an alphanumeric character"
        );
    }
    Ok(())
}

fn check_requirement((key, op): &(String, Operator)) -> Result<()> {
    check_key(key)?;
    if let Operator::In(vals) | Operator::NotIn(vals) = op {
        for v in vals {
            check_value(key, v)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::node::Node;

    fn labels(pairs: &[(&str, &str)]) -> Map {
        pairs.iter().map(|(k, v)| (k.to_string(), Node::string(*v))).collect()
    }

    #[test]
    fn equality_sets_and_existence() {
        let l = labels(&[("app", "web"), ("tier", "front"), ("n", "5")]);
        let yes = ["", "app=web", "app==web", "app", "!db", "tier in (front, back)", "app=web,tier!=db", "n>3", "x!=y"];
        for s in yes {
            assert!(LabelSelector::parse(s).unwrap().matches(Some(&l)), "{s}");
        }
        let no = ["app=db", "!app", "tier notin (front)", "missing", "n<3", "app in (a,b)"];
        for s in no {
            assert!(!LabelSelector::parse(s).unwrap().matches(Some(&l)), "{s}");
        }
        assert!(LabelSelector::parse("a!=b").unwrap().matches(None));
        assert!(LabelSelector::parse("app.kubernetes.io/name=web, x in (a.b, c-d)").is_ok());
    }

    #[test]
    fn malformed_selectors_are_errors() {
        let bad = ["app=web,", "in (a", "a in a", "a > x", "a b", "-app=web", "_x=y", "x/=y", "app=we$b", "A/b=c"];
        for s in bad {
            assert!(LabelSelector::parse(s).is_err(), "{s}");
        }
    }
}
