//! Database URLs: `${VAR}` / `${VAR:-default}` expansion at run time, backend detection by
//! scheme, and redaction of passwords for anything that is displayed.

use crate::backend::Backend;

/// Expand `${VAR}` and `${VAR:-default}` in `template`, looking names up with `lookup`.
///
/// `${VAR}` with `VAR` unset is an error naming the variable; `${VAR:-default}` uses `default`
/// when `VAR` is unset or empty (as a POSIX shell does). The default may not contain `}`.
pub fn expand(template: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed `${{` in URL template `{template}`"))?;
        let inner = &after[..end];
        let (name, default) = match inner.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        if !is_var_name(name) {
            return Err(format!(
                "invalid variable name `{name}` in URL template `{template}`"
            ));
        }
        match (lookup(name).filter(|v| !v.is_empty()), default) {
            (Some(value), _) => out.push_str(&value),
            (None, Some(default)) => out.push_str(default),
            (None, None) => {
                return Err(format!(
                    "environment variable `{name}` is not set (needed by URL template `{template}`)"
                ));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The backend a URL selects, by scheme.
pub fn backend_of(url: &str) -> Result<Backend, String> {
    let scheme = url.split(':').next().unwrap_or_default();
    match scheme {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" | "postgresql" => Ok(Backend::Postgres),
        "mysql" | "mariadb" => Ok(Backend::MySql),
        _ => Err(format!(
            "unsupported URL scheme `{scheme}:` in `{}` (expected sqlite:, postgres://, mysql:// or mariadb://)",
            redact(url)
        )),
    }
}

/// The password in `scheme://user:password@host/...`, if any.
pub fn password(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some(password)
}

/// `url` with its password (and any `password=` query parameter) replaced by `***`.
pub fn redact(url: &str) -> String {
    let mut out = match password(url) {
        Some(secret) => redact_in(url, secret),
        None => url.to_owned(),
    };
    for key in ["password=", "pass=", "sslpassword="] {
        if let Some(pos) = out.find(key) {
            let value_start = pos + key.len();
            let value_end = out[value_start..]
                .find('&')
                .map_or(out.len(), |i| value_start + i);
            out.replace_range(value_start..value_end, "***");
        }
    }
    out
}

/// `text` with every occurrence of `secret` (raw or percent-decoded) replaced by `***`.
pub(crate) fn redact_in(text: &str, secret: &str) -> String {
    let mut out = text.replace(secret, "***");
    let decoded = percent_decode(secret);
    if decoded != secret && !decoded.is_empty() {
        out = out.replace(&decoded, "***");
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SET" => Some("postgres://u:pw@h/db".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_variables_and_defaults() {
        assert_eq!(expand("${SET}", env).as_deref(), Ok("postgres://u:pw@h/db"));
        assert_eq!(expand("${UNSET:-sqlite:x}", env).as_deref(), Ok("sqlite:x"));
        assert_eq!(expand("${EMPTY:-d}", env).as_deref(), Ok("d"));
        assert_eq!(
            expand("a${SET}b", env).as_deref(),
            Ok("apostgres://u:pw@h/dbb")
        );
        assert_eq!(expand("plain", env).as_deref(), Ok("plain"));
        assert!(
            expand("${UNSET}", env)
                .expect_err("must fail")
                .contains("`UNSET`")
        );
        assert!(expand("${OPEN", env).is_err());
        assert!(expand("${1X}", env).is_err());
    }

    #[test]
    fn detects_backends() {
        assert_eq!(backend_of("sqlite:data/x.db"), Ok(Backend::Sqlite));
        assert_eq!(backend_of("postgres://h/db"), Ok(Backend::Postgres));
        assert_eq!(backend_of("mariadb://h/db"), Ok(Backend::MySql));
        let err = backend_of("oracle://u:hunter2@h").expect_err("must fail");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://u:s3cret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(
            redact("postgres://h/db?password=x&a=b"),
            "postgres://h/db?password=***&a=b"
        );
        assert_eq!(
            redact_in("bad p%40ss and p@ss", "p%40ss"),
            "bad *** and ***"
        );
    }
}
