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
        let end = after.find('}').ok_or_else(|| {
            format!(
                "unclosed `${{` in URL template `{}`",
                redact_template(template)
            )
        })?;
        let inner = &after[..end];
        let (name, default) = match inner.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        if !is_var_name(name) {
            return Err(format!(
                "invalid variable name `{}` in URL template `{}`",
                redact(name),
                redact_template(template)
            ));
        }
        match (lookup(name).filter(|v| !v.is_empty()), default) {
            (Some(value), _) => out.push_str(&value),
            (None, Some(default)) => out.push_str(default),
            (None, None) => {
                return Err(format!(
                    "environment variable `{name}` is not set (needed by URL template `{}`)",
                    redact_template(template)
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
            "unsupported URL scheme `{}:` in `{}` (expected sqlite:, postgres://, mysql:// or mariadb://)",
            redact(scheme),
            redact(url)
        )),
    }
}

/// The backend of a URL that this build can open: its scheme is known, its driver is compiled
/// in (the Cargo feature named after the backend), and it passes [`check`]. The message names
/// what to change, with the URL redacted.
pub(crate) fn usable(url: &str) -> Result<Backend, String> {
    let backend = backend_of(url)?;
    if !backend.is_compiled() {
        return Err(format!("`{}`: {}", redact(url), backend.not_compiled()));
    }
    check(url, backend)?;
    Ok(backend)
}

/// A server URL split at the places that matter for secrets. Borrowed from the URL; never
/// displayed itself.
struct Parts<'a> {
    /// `scheme:` and, for URLs with an authority, `//`.
    head: &'a str,
    /// User name, if the URL has userinfo.
    user: Option<&'a str>,
    /// Password, if the userinfo has one.
    password: Option<&'a str>,
    /// `host[:port]`, empty for a URL without an authority (SQLite).
    host: &'a str,
    /// From the first `/` after the authority up to `?` or `#`.
    path: &'a str,
    /// After `?`, up to `#`.
    query: Option<&'a str>,
    /// After `#`.
    fragment: Option<&'a str>,
}

/// Why a URL could not be split: where its userinfo ends cannot be told, so a password may
/// be anywhere after the scheme, and everything after it is hidden.
struct Unparsable {
    head_len: usize,
}

/// Split `url`. SQLite URLs have no userinfo: everything after `sqlite:` is a path and a
/// query. For the others a userinfo is accepted only when its end is unambiguous, else the
/// URL is [`Unparsable`].
fn parse(url: &str) -> Result<Parts<'_>, Unparsable> {
    let scheme_end = url.find(':').map_or(0, |i| i + 1);
    let sqlite = &url[..scheme_end] == "sqlite:";
    let rest = &url[scheme_end..];
    let slashes = if !sqlite && rest.starts_with("//") {
        2
    } else {
        0
    };
    let head_len = scheme_end + slashes;
    let after = &url[head_len..];

    let (authority, remainder) = if slashes == 2 {
        after.split_at(after.find(['/', '?', '#']).unwrap_or(after.len()))
    } else {
        ("", after)
    };
    let (before_fragment, fragment) = match remainder.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (remainder, None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (before_fragment, None),
    };
    // The userinfo ends at the last `@` before the first `/`, `?` or `#`. Another `@` after
    // that means a user name or password holds one of those unencoded, and where it ends
    // cannot be told (an `@` in a query value must be written `%40`). Without `//` any `@`
    // may end a userinfo (`postgres:/u:pw@h/db`).
    if !sqlite && remainder.contains('@') {
        return Err(Unparsable { head_len });
    }
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((userinfo, host)) => (Some(userinfo), host),
        None => (None, authority),
    };
    let (user, password) = match userinfo.map(|u| u.split_once(':')) {
        Some(Some((user, password))) => (Some(user), Some(password)),
        Some(None) => (userinfo, None),
        None => (None, None),
    };
    Ok(Parts {
        head: &url[..head_len],
        user,
        password,
        host,
        path,
        query,
        fragment,
    })
}

/// Whether a query parameter's key names a password (`password`, `sslpassword`, `pass`,
/// `pwd`, any case, percent-encoded or not).
fn is_password_key(key: &str) -> bool {
    let key = percent_decode(key).to_ascii_lowercase();
    key.ends_with("password") || key == "pass" || key == "pwd"
}

/// For every query key that names a password: its value as a driver reads it (up to `&`),
/// and everything after `key=` to the end of the URL (the value the user may have meant, if
/// it holds a raw `&` or `#`).
fn query_secrets(query: &str, fragment: Option<&str>) -> Vec<String> {
    let whole = match fragment {
        Some(fragment) => format!("{query}#{fragment}"),
        None => query.to_owned(),
    };
    let mut found = Vec::new();
    let mut offset = 0;
    for param in whole.split('&') {
        if let Some((key, value)) = param.split_once('=')
            && is_password_key(key.rsplit('#').next().unwrap_or(key))
        {
            found.push(value.split('#').next().unwrap_or(value).to_owned());
            found.push(value.to_owned());
            found.push(whole[offset + key.len() + 1..].to_owned());
        }
        offset += param.len() + 1;
    }
    found
}

/// `query` (with any `#fragment`) up to the first key that names a password, then `key=***`:
/// a password may hold a raw `&`, `=` or `#`, so nothing after its key can be shown safely.
fn redact_query(query: &str) -> String {
    let mut shown = Vec::new();
    for param in query.split('&') {
        match param.split_once('=') {
            Some((key, _)) if is_password_key(key) => {
                shown.push(format!("{key}=***"));
                break;
            }
            _ => shown.push(param.to_owned()),
        }
    }
    shown.join("&")
}

/// The secrets of a URL, to scrub from driver messages: its password and every query value
/// whose key names a password. Empty for a URL that does not parse (it is refused before it
/// reaches a driver).
pub(crate) fn secrets(url: &str) -> Vec<Box<str>> {
    let Ok(parts) = parse(url) else {
        return Vec::new();
    };
    let query = parts
        .query
        .map(|q| query_secrets(q, parts.fragment))
        .unwrap_or_default();
    parts
        .password
        .map(str::to_owned)
        .into_iter()
        .chain(query)
        .filter(|s| !s.is_empty())
        .map(Into::into)
        .collect()
}

/// `url` with its password and every query value whose key names a password replaced by
/// `***`. When the userinfo's end cannot be told, everything after the scheme is hidden.
pub fn redact(url: &str) -> String {
    let parts = match parse(url) {
        Ok(parts) => parts,
        Err(Unparsable { head_len }) => return format!("{}***", &url[..head_len]),
    };
    let mut out = String::with_capacity(url.len());
    out.push_str(parts.head);
    if let Some(user) = parts.user {
        out.push_str(user);
        if parts.password.is_some() {
            out.push_str(":***");
        }
        out.push('@');
    }
    out.push_str(parts.host);
    out.push_str(parts.path);
    match (parts.query, parts.fragment) {
        (Some(query), fragment) => {
            out.push('?');
            let query = match fragment {
                Some(fragment) => format!("{query}#{fragment}"),
                None => query.to_owned(),
            };
            out.push_str(&redact_query(&query));
        }
        (None, Some(fragment)) => {
            out.push('#');
            out.push_str(fragment);
        }
        (None, None) => {}
    }
    out
}

/// A URL template (`postgres://app:${PW}@${HOST:-db}/app`, `${URL:-sqlite:x}`) as it may be
/// shown: every `${VAR:-default}` default redacted as a URL of its own, then the whole.
pub fn redact_template(template: &str) -> String {
    let mut outer = String::with_capacity(template.len());
    let mut defaults = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        outer.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}').map(|i| start + i) else {
            // An unclosed placeholder: nothing after it can be told apart.
            outer.push_str("${…");
            rest = "";
            break;
        };
        let inner = &rest[start + 2..end];
        match inner.split_once(":-") {
            Some((name, default)) => {
                // Private-use characters: no URL syntax, so the marker stays where it is.
                let marker = format!("\u{E000}{}\u{E001}", defaults.len());
                outer.push_str(&marker);
                defaults.push((marker, format!("${{{name}:-{}}}", redact(default))));
            }
            None => outer.push_str(&rest[start..=end]),
        }
        rest = &rest[end + 1..];
    }
    outer.push_str(rest);
    let mut shown = redact(&outer);
    for (marker, default) in defaults {
        shown = shown.replacen(&marker, &default, 1);
    }
    shown
}

/// The query keys each driver reads (sqlx 0.9).
fn query_keys(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &["mode", "cache", "immutable", "vfs"],
        Backend::Postgres => &[
            "sslmode",
            "ssl-mode",
            "sslrootcert",
            "ssl-root-cert",
            "ssl-ca",
            "sslcert",
            "ssl-cert",
            "sslkey",
            "ssl-key",
            "statement-cache-capacity",
            "host",
            "hostaddr",
            "port",
            "dbname",
            "user",
            "password",
            "application_name",
            "options",
        ],
        Backend::MySql => &[
            "sslmode",
            "ssl-mode",
            "sslca",
            "ssl-ca",
            "charset",
            "collation",
            "sslcert",
            "ssl-cert",
            "sslkey",
            "ssl-key",
            "statement-cache-capacity",
            "socket",
            "timezone",
            "time-zone",
        ],
    }
}

fn known_query_key(backend: Backend, key: &str) -> bool {
    query_keys(backend).contains(&percent_decode(key).as_str())
}

/// Refuse URLs that a driver would silently complete with defaults, or whose password cannot
/// be told apart: a PostgreSQL or MySQL URL without `//`, a host (unless the query names a
/// socket) or a database; a SQLite URL without a path. The message shows the URL redacted.
pub(crate) fn check(url: &str, backend: Backend) -> Result<(), String> {
    let shown = || redact(url);
    let parts = parse(url).map_err(|_| {
        format!(
            "cannot tell where the user name and password end in `{}`: percent-encode `/` \
             (%2F), `?` (%3F), `#` (%23), `@` (%40) and `:` (%3A) in them",
            shown()
        )
    })?;
    let query_has = |key: &str| {
        parts.query.is_some_and(|q| {
            q.split('&').any(|p| {
                p.split_once('=')
                    .is_some_and(|(k, v)| k == key && !v.is_empty())
            })
        })
    };
    // A query key the driver does not read is a silent misconfiguration (a typo such as
    // `sslmod`, or a password the MySQL driver drops), and the PostgreSQL driver logs such
    // keys with their values. After a password key, an unknown key is most likely the rest
    // of a password holding a raw `&`: it is not named.
    let mut after_password = false;
    for param in parts.query.into_iter().flat_map(|q| q.split('&')) {
        let key = param.split_once('=').map_or(param, |(key, _)| key);
        if !known_query_key(backend, key) {
            return Err(if after_password {
                format!(
                    "`{}`: a query parameter after the password is not read by the {backend} \
                     driver; percent-encode `&` (%26), `=` (%3D) and `#` (%23) in a password",
                    shown()
                )
            } else {
                format!(
                    "`{}`: the {backend} driver does not read the query parameter `{key}`; it \
                     reads {}{}",
                    shown(),
                    query_keys(backend).join(", "),
                    if is_password_key(key) {
                        " (put a password in the userinfo: `scheme://user:${PASSWORD_VAR}@host/db`)"
                    } else {
                        ""
                    }
                )
            });
        }
        after_password |= is_password_key(key);
    }
    match backend {
        Backend::Sqlite => {
            let path = parts.path.trim_start_matches("//");
            if path.is_empty() {
                return Err(format!(
                    "`{}` names no database file (use `sqlite:path/to/file.db` or `sqlite::memory:`)",
                    shown()
                ));
            }
        }
        Backend::Postgres | Backend::MySql => {
            let socket_key = if backend == Backend::Postgres {
                "host"
            } else {
                "socket"
            };
            if !parts.head.ends_with("//") {
                return Err(format!(
                    "`{}` is not of the form `scheme://user@host/database`",
                    shown()
                ));
            }
            let host = parts.host.rsplit_once(':').map_or(parts.host, |(h, _)| h);
            if host.is_empty() && !query_has(socket_key) {
                return Err(format!(
                    "`{}` names no host (the driver would pick a local default); write \
                     `scheme://user@host/database`, or `?{socket_key}=/path` for a socket",
                    shown()
                ));
            }
            if parts.path.trim_start_matches('/').is_empty() {
                return Err(format!(
                    "`{}` names no database (the driver would pick a default); write \
                     `scheme://user@host/database`",
                    shown()
                ));
            }
        }
    }
    Ok(())
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
        for (url, shown) in [
            (
                "postgres://u:s3cret@h:5432/db",
                "postgres://u:***@h:5432/db",
            ),
            ("mysql://root@h/db", "mysql://root@h/db"),
            (
                "postgres://h/db?a=b&password=x&c=d",
                "postgres://h/db?a=b&password=***",
            ),
            // Every key that names a password, every occurrence.
            (
                "postgres://h/db?sslpassword=x&password=PW&Password=PW2&pass=p&pwd=q",
                "postgres://h/db?sslpassword=***",
            ),
            (
                "postgres://h/db?pass%77ord=PW",
                "postgres://h/db?pass%77ord=***",
            ),
            (
                "postgres://h/db?a=1&pwd=x&y#z",
                "postgres://h/db?a=1&pwd=***",
            ),
            // Userinfo whose end cannot be told: all of it is hidden.
            ("postgres://u:pa/ss@h/db", "postgres://***"),
            ("postgres://u:pa?ss@h/db", "postgres://***"),
            ("postgres://u:pa#ss@h/db", "postgres://***"),
            ("postgres://u:p@a/ss@h/db", "postgres://***"),
            ("postgres://u:pa?x=1@h/db", "postgres://***"),
            ("postgres:/app:PW@host/db", "postgres:***"),
            ("postgres://u:12/ss@h/db", "postgres://***"),
            // An `@` after the host must be encoded: where a password ends cannot be told.
            ("postgres://h/db?application_name=a@b", "postgres://***"),
            (
                "postgres://h/db?application_name=a%40b",
                "postgres://h/db?application_name=a%40b",
            ),
            ("sqlite:data/a@b.db?mode=ro", "sqlite:data/a@b.db?mode=ro"),
            ("postgres://u:p%2Fw@h/db", "postgres://u:***@h/db"),
        ] {
            assert_eq!(redact(url), shown, "{url}");
        }
        assert_eq!(
            redact_in("bad p%40ss and p@ss", "p%40ss"),
            "bad *** and ***"
        );
    }

    #[test]
    fn redacts_templates() {
        for (template, shown) in [
            ("postgres://app:${PW}@db/app", "postgres://app:***@db/app"),
            (
                "${DATABASE_URL:-postgres://u:hunter2@h/db}",
                "${DATABASE_URL:-postgres://u:***@h/db}",
            ),
            (
                "postgres://u:${PW:-hunter2}@${HOST:-h}/db",
                "postgres://u:***@${HOST:-h}/db",
            ),
            ("${URL:-sqlite:data/a.db}", "${URL:-sqlite:data/a.db}"),
            ("postgres://u:hunter2@h/db${X", "postgres://u:***@h/db${…"),
        ] {
            assert_eq!(redact_template(template), shown, "{template}");
        }
        let err = expand("postgres://u:hunter2@h/${UNSET}", |_| None).expect_err("unset");
        assert!(!err.contains("hunter2"), "{err}");
        let err = expand("postgres://u:hunter2@h/${UNCLOSED", |_| None).expect_err("unclosed");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn refuses_urls_a_driver_would_complete() {
        let check_of = |url: &str| check(url, backend_of(url).expect("known scheme"));
        for ok in [
            "postgres://u@h/db",
            "postgres://u:p%2Fw@h:5433/db?sslmode=disable",
            "postgres://h/db?password=p%2Fw",
            "postgresql://h/db",
            "postgres:///db?host=/var/run/postgresql",
            "mysql://root@127.0.0.1:3306/app",
            "mariadb://h/app",
            "mysql:///app?socket=/run/mysqld/mysqld.sock",
            "sqlite:data/app.db",
            "sqlite::memory:",
            "sqlite://data/app.db?mode=ro",
        ] {
            assert_eq!(check_of(ok), Ok(()), "{ok}");
        }
        for (bad, says) in [
            ("postgres://", "no host"),
            ("postgres:///db", "no host"),
            ("postgres://u:hunter2@/db", "no host"),
            ("postgres://h", "no database"),
            ("postgres://h/", "no database"),
            ("mysql:/app", "not of the form"),
            ("mysql://root@h", "no database"),
            ("mariadb:h/db", "not of the form"),
            ("sqlite:", "no database file"),
            ("sqlite:?mode=ro", "no database file"),
            ("sqlite://", "no database file"),
            ("postgres:/app:hunter2@host/db", "cannot tell"),
            ("postgres://u:hun/ter2@h/db", "cannot tell"),
            (
                "postgres://h/db?sslpassword=hunter2",
                "does not read the query parameter `sslpassword`",
            ),
            (
                "mysql://h/db?password=hunter2",
                "does not read the query parameter `password`",
            ),
            (
                "sqlite:a.db?password=hunter2",
                "does not read the query parameter `password`",
            ),
            (
                "postgres://h/db?sslmod=require",
                "does not read the query parameter `sslmod`",
            ),
            (
                "postgres://h/db?password=hun&ter2=x",
                "a query parameter after the password",
            ),
        ] {
            let err = check_of(bad).expect_err(bad);
            assert!(err.contains(says), "{bad}: {err}");
            assert!(!err.contains("hunter2") && !err.contains("ter2"), "{err}");
        }
    }

    mod property {
        use super::super::*;
        use proptest::prelude::*;

        /// URL shapes with `{}` where the password goes.
        const SHAPES: &[&str] = &[
            "postgres://app:{}@db.internal:5432/app",
            "postgres://app:{}@db/app?sslmode=require",
            "postgresql://app:{}@[::1]:5432/app",
            "mysql://root:{}@127.0.0.1/app",
            "mariadb://u:{}@h/app?ssl-mode=DISABLED",
            "postgres://db/app?password={}",
            "postgres://db/app?user=u&sslpassword={}&password={}",
            "sqlite:data/app.db?password={}",
            "postgres://u:{}@h/app?password={}",
            "mysql://h/app?Password={}",
            "postgres:/u:{}@h/app",
            "postgres://u:{}@h",
            "postgres://:{}@h/app",
        ];

        /// Passwords of URL-significant characters, raw or percent-encoded; at least four
        /// characters so that a match is the password and not a coincidence.
        fn password() -> impl Strategy<Value = String> {
            (
                proptest::string::string_regex("[A-Za-z0-9/?#@:%&=!$*+,;._~ -]{4,16}")
                    .expect("valid regex"),
                any::<bool>(),
            )
                .prop_map(|(raw, encode)| {
                    if encode {
                        raw.bytes().map(|b| format!("%{b:02X}")).collect()
                    } else {
                        raw
                    }
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2_000))]

            #[test]
            fn no_password_survives_redaction(shape in 0..SHAPES.len(), pw in password()) {
                let url = SHAPES[shape].replace("{}", &pw);
                let backend = backend_of(&url).expect("known scheme");
                for shown in [
                    redact(&url),
                    redact_template(&url),
                    redact_template(&format!("${{URL:-{url}}}")),
                    check(&url, backend).err().unwrap_or_default(),
                    expand(&format!("{url}${{UNSET}}"), |_| None).err().unwrap_or_default(),
                ] {
                    prop_assert!(!shown.contains(&pw), "{url} shown as {shown}");
                    let decoded = percent_decode(&pw);
                    if decoded.len() >= 4 {
                        prop_assert!(!shown.contains(&decoded), "{url} shown as {shown}");
                    }
                }
                // What a driver may print is scrubbed of every secret of an accepted URL.
                if check(&url, backend).is_ok() {
                    let secrets = secrets(&url);
                    let scrubbed = secrets
                        .iter()
                        .fold(format!("error for {url} ({pw})"), |t, s| redact_in(&t, s));
                    prop_assert!(!scrubbed.contains(&pw), "{url}: {scrubbed}");
                }
            }
        }
    }
}
