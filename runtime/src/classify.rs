//! Statement classification for read/write splitting: may this SQL text run on a read replica,
//! or on a connection that must not write?
//!
//! This module owns that one question. [`classify`] takes raw SQL text in any dialect switchyard
//! speaks (SQLite, PostgreSQL, MySQL, MariaDB) and answers [`StatementKind::Read`] only when it
//! can positively tell that every statement in the text only reads. Everything else is
//! [`StatementKind::Write`] with a short reason for error messages: data changes and DDL,
//! locking reads (`FOR UPDATE`, `LOCK IN SHARE MODE`), `SELECT ... INTO`, data-modifying CTEs,
//! `EXPLAIN` of a write, calls of well-known side-effecting functions, statements it does not
//! recognise, and text it cannot tokenize. It is best effort but conservative: a false "write"
//! costs a trip to the primary, a false "read" would let a write past a replica guard.
//!
//! # How it works
//!
//! A single linear tokenizer skips whitespace, comments (`--`, `#`, `/* */`), string literals
//! (`'...'`, `E'...'`, `$tag$...$tag$`) and quoted identifiers (`"..."`, `` `...` ``, `[...]`), so
//! keywords inside them never count; keywords are matched as whole tokens, ASCII
//! case-insensitively. The text is split at `;` and each statement is judged by its first keyword
//! (looking through leading parentheses) plus a scan of all its tokens for write keywords
//! (`INSERT`, `UPDATE`, `DELETE`, `MERGE`, `UPSERT`, `REPLACE`, `TRUNCATE`, `CREATE`, `DROP`,
//! `ALTER`, `CALL`, `EXECUTE`, `INTO`), locking clauses and side-effecting function calls. The
//! text is a write if any statement is. Empty statements (only whitespace, comments or `;`) read.
//!
//! Reads: `SELECT`, `VALUES`, `TABLE`, `WITH` (unless a CTE modifies data), `SHOW`,
//! `DESCRIBE`/`DESC`/`EXPLAIN` of a read or of a table, transaction control (`BEGIN`,
//! `START TRANSACTION`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`, `RELEASE`, `END`, `ABORT`; but not
//! SQLite's `BEGIN IMMEDIATE`/`EXCLUSIVE`, MariaDB's `BEGIN NOT ATOMIC`, `COMMIT PREPARED` or
//! anything with `READ WRITE`), session `SET` (not `SET GLOBAL`, `PERSIST`, `PASSWORD`,
//! `DEFAULT ROLE`, or a `*read_only*` variable), MariaDB `SET STATEMENT ... FOR <read>`, and a
//! short allowlist of read-only SQLite pragmas (`PRAGMA table_info(t)`). Everything else writes.
//!
//! # Dialects
//!
//! The dialects tokenize some text differently, and a statement that reads under one reading
//! may write under another (`SELECT 'a\'; DELETE FROM t; -- '` is one string in MySQL but a
//! `DELETE` in PostgreSQL). The tokenizer knows each dialect-dependent rule: backslash escapes in
//! `'...'`, in `E'...'` and in `"..."`; `#` comments; MySQL's `-- ` needing a space; `\r` ending
//! a line comment; nested `/* */` (PostgreSQL); MySQL/MariaDB executable comments `/*! ... */`
//! (scanned as code); dollar quoting; SQLite's `[...]` identifiers. It notes which of them a text
//! actually exercises and, if any, rescans the text under every combination of them: the text is
//! a write if any reading writes. A reading that hits an unterminated string or comment, or a
//! statement starting with punctuation, is a syntax error in the dialects it models: that
//! statement and the rest cannot run there, so only the statements before it count. Text that is
//! unterminated under every reading is a write. Text exercising more than six such rules is
//! refused outright.
//!
//! # Cost
//!
//! Ordinary statements take one tokenizing pass over the bytes (plus a `memchr` for NUL) with no
//! allocation: O(n) time, O(1) space.
//! A text exercising k dialect-dependent rules takes at most 2^k (≤ 64) passes, still linear.
//!
//! # Limits
//!
//! - Functions are opaque: a user-defined (or volatile PostgreSQL) function called from a
//!   `SELECT` can write, and only the listed built-ins (`nextval`, `setval`, advisory and named
//!   locks, backend and replication administration, large objects, `dblink`, `txid_current`,
//!   `pg_notify`, SQLite's `load_extension`/`writefile`) are caught. `set_config()` is not.
//! - Unquoted identifiers spelled like write keywords (a column named `update`) make a statement
//!   a write; quote them. So do SQL keywords in `--comments` without a space (code in MySQL).
//! - MySQL executable comments are read either all as code or all as comments, not per server
//!   version.
//! - Harmless text that some dialect reads differently (a `[`, a `#`, a backslash in a string)
//!   may be refused when another reading of it writes.

use std::mem;

/// What a statement does, as far as routing is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// Only reads: safe on a replica or a connection that must not write.
    Read,
    /// Writes, locks, has side effects, or could not be shown to only read.
    Write,
}

/// The verdict of [`classify`]: the [`StatementKind`] and, for a write, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified {
    kind: StatementKind,
    reason: Option<&'static str>,
}

impl Classified {
    const READ: Self = Self {
        kind: StatementKind::Read,
        reason: None,
    };

    const fn write(reason: &'static str) -> Self {
        Self {
            kind: StatementKind::Write,
            reason: Some(reason),
        }
    }

    /// Whether the text only reads or (possibly) writes.
    pub const fn kind(self) -> StatementKind {
        self.kind
    }

    /// `true` when the text is known to only read.
    pub const fn is_read(self) -> bool {
        matches!(self.kind, StatementKind::Read)
    }

    /// Why the text counts as a write, e.g. `"contains DELETE"`; `None` for reads.
    pub const fn reason(self) -> Option<&'static str> {
        self.reason
    }
}

/// Classify SQL text (one statement or several separated by `;`) as a read or a write.
///
/// Conservative: [`StatementKind::Read`] only when every statement is positively known to only
/// read; see the [module docs](self) for the rules. One pass, no allocation, for ordinary text.
pub fn classify(sql: &str) -> Classified {
    let src = sql.as_bytes();
    // SQLite stops reading at a NUL, PostgreSQL rejects it: no reading is safe to assume.
    if src.contains(&0) {
        return Classified::write(NUL_BYTE);
    }
    // Scan under every combination of the dialect rules the text turns out to exercise. A scan
    // can reveal more rules (text hidden under one reading is code under another), so repeat
    // until no combination of the rules seen so far is left; `done` is a bitset over all 2^10.
    let mut seen: u16 = 0;
    let mut done = [0u64; 1 << (RULES - 6)];
    let mut any_valid = false;
    let mut invalid = None;
    loop {
        if seen.count_ones() > MAX_RULES {
            return Classified::write(TOO_AMBIGUOUS);
        }
        let rules = seen;
        let mut progressed = false;
        let mut subset = rules;
        loop {
            let (slot, bit) = (usize::from(subset / 64), subset % 64);
            if done[slot] & (1 << bit) == 0 {
                done[slot] |= 1 << bit;
                progressed = true;
                let (outcome, exercised) = scan(src, subset);
                seen |= exercised;
                match outcome {
                    Outcome::Read => any_valid = true,
                    Outcome::Write(reason) => return Classified::write(reason),
                    Outcome::Invalid(reason) => {
                        invalid.get_or_insert(reason);
                    }
                }
            }
            if subset == 0 {
                break;
            }
            subset = (subset - 1) & rules;
        }
        if !progressed {
            break;
        }
    }
    match invalid {
        Some(reason) if !any_valid => Classified::write(reason),
        _ => Classified::READ,
    }
}

// Reasons, for error messages.
const NUL_BYTE: &str = "contains a NUL byte";
const TOO_AMBIGUOUS: &str = "too many constructs that SQL dialects read differently";
const UNKNOWN_STATEMENT: &str = "not a statement known to only read";
const NOT_A_STATEMENT: &str = "does not start with a statement keyword";
const EXPLAIN_WRITE: &str = "EXPLAIN of a write statement (EXPLAIN ANALYZE runs it)";
const ROW_LOCK: &str = "SELECT ... FOR UPDATE/SHARE or LOCK IN SHARE MODE takes row locks";
const INTO: &str = "SELECT ... INTO writes a table, file or variable";
const NEXT_VALUE: &str = "NEXT VALUE FOR advances a sequence";
const DEFAULT_ROLE: &str = "SET DEFAULT ROLE changes stored account settings";
const READ_WRITE: &str = "READ WRITE lifts read-only mode";
const READ_ONLY_SETTING: &str = "SET of a read-only setting";
const SERVER_SETTING: &str = "SET GLOBAL, PERSIST or PASSWORD changes server state";
const START_OTHER: &str = "START other than START TRANSACTION (e.g. START REPLICA)";
const WRITE_LOCK_TXN: &str = "BEGIN IMMEDIATE/EXCLUSIVE takes SQLite's write lock";
const COMPOUND: &str = "BEGIN NOT ATOMIC runs a MariaDB compound statement";
const TWO_PHASE: &str = "COMMIT/ROLLBACK PREPARED finishes a two-phase transaction";
const PRAGMA: &str = "PRAGMA that may change the database (only known read-only pragmas pass)";
const UNICODE_NAME: &str = "calls a function whose name is written with Unicode escapes";
const EXEC_END: &str = "MySQL executable comment that ends elsewhere when read as a comment";
const LONG_TAG: &str = "dollar-quote tag too long";
const UNTERMINATED_STRING: &str = "unterminated string literal";
const UNTERMINATED_IDENT: &str = "unterminated quoted identifier";
const UNTERMINATED_DOLLAR: &str = "unterminated dollar-quoted string";
const UNTERMINATED_COMMENT: &str = "unterminated block comment";
const UNTERMINATED_EXEC: &str = "unterminated MySQL executable comment";

// Dialect-dependent tokenizer rules, as bits of a `u16`: a scan runs with a subset switched on.
/// Backslash escapes the next byte in `'...'` (MySQL; PostgreSQL with
/// `standard_conforming_strings = off`).
const BACKSLASH_QUOTES: u16 = 1 << 0;
/// Backslash escapes the next byte in `E'...'` (PostgreSQL; SQLite reads `E` then `'...'`).
const BACKSLASH_E_STRINGS: u16 = 1 << 1;
/// Backslash escapes the next byte in `"..."` (MySQL without `ANSI_QUOTES`, where it is a string).
const BACKSLASH_DOUBLE: u16 = 1 << 2;
/// `#` starts a line comment (MySQL); elsewhere it is an operator or a parameter sigil.
const HASH_COMMENTS: u16 = 1 << 3;
/// `--` only starts a comment when followed by whitespace or a control byte (MySQL).
const DASH_NEEDS_SPACE: u16 = 1 << 4;
/// A lone `\r` ends a line comment (PostgreSQL); elsewhere only `\n` does.
const CR_ENDS_COMMENT: u16 = 1 << 5;
/// Block comments nest (PostgreSQL).
const NESTED_COMMENTS: u16 = 1 << 6;
/// `/*! ... */` and `/*M! ... */` are code (MySQL, MariaDB); elsewhere comments.
const EXEC_COMMENTS: u16 = 1 << 7;
/// `$tag$ ... $tag$` is a string (PostgreSQL); elsewhere `$` is part of names or parameters.
const DOLLAR_QUOTES: u16 = 1 << 8;
/// `[...]` is a quoted identifier (SQLite); elsewhere `[` is punctuation.
const BRACKET_IDENTS: u16 = 1 << 9;
/// How many rules there are.
const RULES: u32 = 10;
/// Texts exercising more rules than this are refused rather than scanned 2^k times.
const MAX_RULES: u32 = 6;
/// Longest dollar-quote tag searched for (keeps the search linear).
const MAX_DOLLAR_TAG: usize = 64;

/// What one scan, under one combination of rules, concluded.
enum Outcome {
    /// Every statement reads.
    Read,
    /// Some complete statement writes.
    Write(&'static str),
    /// A syntax error (e.g. an unterminated string) stops execution; what ran before it reads.
    Invalid(&'static str),
}

/// Tokenize and classify `src` with the dialect rules in `rules` switched on. Also returns the
/// rules the text exercised: those whose setting changed how some byte was read.
fn scan(src: &[u8], rules: u16) -> (Outcome, u16) {
    let mut lexer = Lexer {
        src,
        pos: 0,
        rules,
        seen: 0,
        exec_end: None,
    };
    let mut statement = Statement::new();
    let outcome = loop {
        match lexer.next() {
            Ok(Some(Tok::Punct(b';'))) => {
                if let Some(reason) = statement.finish() {
                    break Outcome::Write(reason);
                }
                statement = Statement::new();
            }
            Ok(Some(tok)) => {
                if let Err(reason) = statement.feed(tok) {
                    break Outcome::Invalid(reason);
                }
            }
            Ok(None) => break statement.finish().map_or(Outcome::Read, Outcome::Write),
            // A string that never ends swallows the statement: it cannot run.
            Err(LexError::Unterminated(reason)) => break Outcome::Invalid(reason),
            // SQLite accepts a comment left open at the end: judge what came before it.
            Err(LexError::UnterminatedComment(reason)) => {
                break statement
                    .finish()
                    .map_or(Outcome::Invalid(reason), Outcome::Write);
            }
            Err(LexError::Ambiguous(reason)) => break Outcome::Write(reason),
        }
    };
    (outcome, lexer.seen)
}

/// A token; whitespace and comments are skipped.
#[derive(Debug, Clone, Copy)]
enum Tok<'a> {
    /// An unquoted name or keyword, as written.
    Word(&'a [u8]),
    /// A quoted identifier (or MySQL double-quoted string): the text between the quotes, and
    /// whether it was `U&"..."` (PostgreSQL Unicode escapes).
    Quoted { text: &'a [u8], unicode: bool },
    /// A string, number or parameter.
    Literal,
    /// Any other byte.
    Punct(u8),
}

/// Why tokenizing stopped early.
enum LexError {
    /// A string or quoted identifier runs to the end of the text.
    Unterminated(&'static str),
    /// A comment runs to the end of the text.
    UnterminatedComment(&'static str),
    /// The text cannot be read safely under these rules.
    Ambiguous(&'static str),
}

/// A single-pass tokenizer over the bytes of the text.
struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    /// The dialect rules switched on.
    rules: u16,
    /// The dialect rules whose setting mattered so far.
    seen: u16,
    /// Inside a MySQL executable comment: where a plain comment reading would end it.
    exec_end: Option<usize>,
}

impl<'a> Lexer<'a> {
    /// Note that `rule` matters here and say whether it is on.
    fn rule(&mut self, rule: u16) -> bool {
        self.seen |= rule;
        self.rules & rule != 0
    }

    fn at(&self, offset: usize) -> Option<u8> {
        self.src.get(self.pos + offset).copied()
    }

    /// The next token, `None` at the end.
    fn next(&mut self) -> Result<Option<Tok<'a>>, LexError> {
        loop {
            let Some(c) = self.at(0) else {
                return match self.exec_end {
                    Some(_) => Err(LexError::UnterminatedComment(UNTERMINATED_EXEC)),
                    None => Ok(None),
                };
            };
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'-' if self.at(1) == Some(b'-') => {
                    let spaced = self.at(2).is_none_or(|b| b <= b' ' || b == 0x7f);
                    if !spaced && self.rule(DASH_NEEDS_SPACE) {
                        self.pos += 1;
                        return Ok(Some(Tok::Punct(b'-')));
                    }
                    self.line_comment(2);
                }
                b'#' => {
                    if !self.rule(HASH_COMMENTS) {
                        self.pos += 1;
                        return Ok(Some(Tok::Punct(b'#')));
                    }
                    self.line_comment(1);
                }
                b'/' if self.at(1) == Some(b'*') => self.block_comment()?,
                b'*' if self.at(1) == Some(b'/') && self.exec_end.is_some() => {
                    if self.exec_end != Some(self.pos) {
                        return Err(LexError::Ambiguous(EXEC_END));
                    }
                    self.exec_end = None;
                    self.pos += 2;
                }
                b'\'' => {
                    self.pos += 1;
                    self.quoted(b'\'', BACKSLASH_QUOTES, UNTERMINATED_STRING)?;
                    return Ok(Some(Tok::Literal));
                }
                b'"' | b'`' => {
                    self.pos += 1;
                    let escapes = if c == b'"' { BACKSLASH_DOUBLE } else { 0 };
                    let text = self.quoted(c, escapes, UNTERMINATED_IDENT)?;
                    return Ok(Some(Tok::Quoted {
                        text,
                        unicode: false,
                    }));
                }
                b'[' => return self.bracket().map(Some),
                b'$' => return self.dollar().map(Some),
                b'0'..=b'9' => {
                    self.number();
                    return Ok(Some(Tok::Literal));
                }
                c if is_word_start(c) => return self.word().map(Some),
                _ => {
                    self.pos += 1;
                    return Ok(Some(Tok::Punct(c)));
                }
            }
        }
    }

    /// Skip a number: digits, then `.digits` and an exponent if present. Letters after it start
    /// a new word, as in PostgreSQL before 15 (`1e1into t` is `1e1 INTO t`): that exposes any
    /// keyword glued to a number.
    fn number(&mut self) {
        let digits = |lexer: &Self, from: usize| {
            let mut end = from;
            while lexer.at(end).is_some_and(|b| b.is_ascii_digit()) {
                end += 1;
            }
            end
        };
        let mut len = digits(self, 0);
        if self.at(len) == Some(b'.') && self.at(len + 1).is_some_and(|b| b.is_ascii_digit()) {
            len = digits(self, len + 1);
        }
        if matches!(self.at(len), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.at(len + 1), Some(b'+' | b'-')));
            if self.at(len + 1 + sign).is_some_and(|b| b.is_ascii_digit()) {
                len = digits(self, len + 1 + sign);
            }
        }
        self.pos += len;
    }

    /// Skip a line comment whose marker is `marker` bytes long.
    fn line_comment(&mut self, marker: usize) {
        let src = self.src;
        let mut i = self.pos + marker;
        while let Some(&b) = src.get(i) {
            if b == b'\n'
                || (b == b'\r' && src.get(i + 1) != Some(&b'\n') && self.rule(CR_ENDS_COMMENT))
            {
                break;
            }
            i += 1;
        }
        self.pos = i;
    }

    /// Skip a block comment, or enter a MySQL executable comment (scanned as code).
    fn block_comment(&mut self) -> Result<(), LexError> {
        let src = self.src;
        let body = self.pos + 2;
        let exec_prefix = match src.get(body..) {
            Some([b'!', ..]) => Some(1),
            Some([b'M', b'!', ..]) => Some(2),
            _ => None,
        };
        if let Some(prefix) = exec_prefix
            && self.exec_end.is_none()
            && self.rule(EXEC_COMMENTS)
        {
            let start = body + prefix;
            let Some(end) = find(src, start, b"*/") else {
                return Err(LexError::UnterminatedComment(UNTERMINATED_EXEC));
            };
            self.exec_end = Some(end);
            // `/*!50700 ...`: the minimum server version; assume it is met.
            self.pos = start;
            while self.at(0).is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1;
            }
            return Ok(());
        }
        let mut depth = 1usize;
        let mut i = body;
        loop {
            match src.get(i..i + 2) {
                None => return Err(LexError::UnterminatedComment(UNTERMINATED_COMMENT)),
                Some(b"*/") => {
                    i += 2;
                    depth -= 1;
                    if depth == 0 {
                        self.pos = i;
                        return Ok(());
                    }
                }
                Some(b"/*") if self.rule(NESTED_COMMENTS) => {
                    depth += 1;
                    i += 2;
                }
                Some(_) => i += 1,
            }
        }
    }

    /// Scan a quoted run after its opening `quote` (already consumed): a doubled quote stands
    /// for one, and a backslash escapes the next byte when rule `escapes` (0: never) is on.
    /// Returns the text between the quotes.
    fn quoted(
        &mut self,
        quote: u8,
        escapes: u16,
        unterminated: &'static str,
    ) -> Result<&'a [u8], LexError> {
        let src = self.src;
        let start = self.pos;
        let mut i = start;
        loop {
            match src.get(i) {
                None => return Err(LexError::Unterminated(unterminated)),
                Some(&b) if b == quote => {
                    if src.get(i + 1) == Some(&quote) {
                        i += 2;
                    } else {
                        self.pos = i + 1;
                        return Ok(&src[start..i]);
                    }
                }
                Some(b'\\') if escapes != 0 && self.rule(escapes) => i += 2,
                Some(_) => i += 1,
            }
        }
    }

    /// `[`: a SQLite quoted identifier up to `]`, or punctuation.
    fn bracket(&mut self) -> Result<Tok<'a>, LexError> {
        if !self.rule(BRACKET_IDENTS) {
            self.pos += 1;
            return Ok(Tok::Punct(b'['));
        }
        let src = self.src;
        let start = self.pos + 1;
        match src[start..].iter().position(|&b| b == b']') {
            Some(len) => {
                self.pos = start + len + 1;
                Ok(Tok::Quoted {
                    text: &src[start..start + len],
                    unicode: false,
                })
            }
            None => Err(LexError::Unterminated(UNTERMINATED_IDENT)),
        }
    }

    /// `$`: a parameter (`$1`), a PostgreSQL dollar-quoted string, or punctuation.
    fn dollar(&mut self) -> Result<Tok<'a>, LexError> {
        let src = self.src;
        let start = self.pos;
        let mut i = start + 1;
        if src.get(i).is_some_and(u8::is_ascii_digit) {
            while src.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            self.pos = i;
            return Ok(Tok::Literal);
        }
        // The opening tag: `$$` or `$name$`, the name not containing `$`.
        if src.get(i).is_some_and(|&b| is_word_start(b)) {
            while src.get(i).is_some_and(|&b| b != b'$' && is_word_char(b)) {
                i += 1;
            }
        }
        // Without dollar quoting, `$` is read as punctuation and the name after it as a word
        // of its own: that exposes at least every keyword that a `$name` token would.
        if src.get(i) != Some(&b'$') || !self.rule(DOLLAR_QUOTES) {
            self.pos = start + 1;
            return Ok(Tok::Punct(b'$'));
        }
        let tag = &src[start..=i];
        if tag.len() > MAX_DOLLAR_TAG {
            return Err(LexError::Ambiguous(LONG_TAG));
        }
        match find(src, i + 1, tag) {
            Some(end) => {
                self.pos = end + tag.len();
                Ok(Tok::Literal)
            }
            None => Err(LexError::Unterminated(UNTERMINATED_DOLLAR)),
        }
    }

    /// A word, or the `E'...'` / `U&"..."` forms that start like one.
    fn word(&mut self) -> Result<Tok<'a>, LexError> {
        let src = self.src;
        let start = self.pos;
        let mut i = start + 1;
        while src.get(i).is_some_and(|&b| is_word_char(b)) {
            i += 1;
        }
        self.pos = i;
        if i == start + 1 {
            match (src[start] | 0x20, src.get(i), src.get(i + 1)) {
                (b'e', Some(b'\''), _) => {
                    self.pos += 1;
                    self.quoted(b'\'', BACKSLASH_E_STRINGS, UNTERMINATED_STRING)?;
                    return Ok(Tok::Literal);
                }
                (b'u', Some(b'&'), Some(b'"')) => {
                    self.pos += 2;
                    let text = self.quoted(b'"', BACKSLASH_DOUBLE, UNTERMINATED_IDENT)?;
                    return Ok(Tok::Quoted {
                        text,
                        unicode: true,
                    });
                }
                _ => {}
            }
        }
        Ok(Tok::Word(&src[start..i]))
    }
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_word_char(b: u8) -> bool {
    is_word_start(b) || b.is_ascii_digit() || b == b'$'
}

/// The first occurrence of `needle` in `src` at or after `from`.
fn find(src: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    src.get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| at + from)
}

/// Longest word looked up as a keyword or function name; longer words are neither.
const MAX_NAME: usize = 40;

/// A word upper-cased into a stack buffer, for matching.
struct Upper {
    buf: [u8; MAX_NAME],
    len: usize,
}

impl Upper {
    fn new(word: &[u8]) -> Option<Self> {
        if word.len() > MAX_NAME {
            return None;
        }
        let mut buf = [0; MAX_NAME];
        for (to, from) in buf.iter_mut().zip(word) {
            *to = from.to_ascii_uppercase();
        }
        Some(Self {
            buf,
            len: word.len(),
        })
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The keywords the classifier cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kw {
    /// `SELECT`, `VALUES`, `TABLE`, `WITH`: a query.
    Query,
    /// `SHOW`.
    Show,
    /// `EXPLAIN`, `DESCRIBE`, `DESC`.
    Explain,
    /// An `EXPLAIN` option word: `ANALYZE`, `VERBOSE`, `QUERY PLAN`, ...
    ExplainOption,
    /// `FORMAT` (as in `EXPLAIN FORMAT=JSON`).
    Format,
    Pragma,
    Set,
    /// `BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`, `RELEASE`, `END`, `ABORT`.
    TxnControl,
    Start,
    Transaction,
    Statement,
    Update,
    Create,
    /// A write keyword anywhere in a statement, with the reason.
    Writes(&'static str),
    /// `INSERT`, `REPLACE`, `TRUNCATE`: a write unless called as a function (`replace(...)`).
    MaybeFunction(&'static str),
    Into,
    For,
    Share,
    No,
    Key,
    Lock,
    In,
    Next,
    Value,
    Default,
    Role,
    Read,
    Write,
    /// `GLOBAL`, `PERSIST`, `PERSIST_ONLY`, `PASSWORD` (in `SET`).
    ServerScope,
    /// `IMMEDIATE`, `EXCLUSIVE` (in `BEGIN`).
    WriteLock,
    Atomic,
    Prepared,
    Other,
}

impl Kw {
    fn of(upper: &[u8]) -> Self {
        match upper {
            b"SELECT" | b"VALUES" | b"TABLE" | b"WITH" => Self::Query,
            b"SHOW" => Self::Show,
            b"EXPLAIN" | b"DESCRIBE" | b"DESC" => Self::Explain,
            b"ANALYZE" | b"ANALYSE" | b"VERBOSE" | b"QUERY" | b"PLAN" | b"EXTENDED"
            | b"PARTITIONS" => Self::ExplainOption,
            b"FORMAT" => Self::Format,
            b"PRAGMA" => Self::Pragma,
            b"SET" => Self::Set,
            b"BEGIN" | b"COMMIT" | b"ROLLBACK" | b"SAVEPOINT" | b"RELEASE" | b"END" | b"ABORT" => {
                Self::TxnControl
            }
            b"START" => Self::Start,
            b"TRANSACTION" => Self::Transaction,
            b"STATEMENT" => Self::Statement,
            b"UPDATE" => Self::Update,
            b"CREATE" => Self::Create,
            b"DELETE" => Self::Writes("contains DELETE"),
            b"MERGE" => Self::Writes("contains MERGE"),
            b"UPSERT" => Self::Writes("contains UPSERT"),
            b"DROP" => Self::Writes("contains DROP"),
            b"ALTER" => Self::Writes("contains ALTER"),
            b"CALL" => Self::Writes("contains CALL"),
            b"EXECUTE" => Self::Writes("contains EXECUTE"),
            b"INSERT" => Self::MaybeFunction("contains INSERT"),
            b"REPLACE" => Self::MaybeFunction("contains REPLACE"),
            b"TRUNCATE" => Self::MaybeFunction("contains TRUNCATE"),
            b"INTO" => Self::Into,
            b"FOR" => Self::For,
            b"SHARE" => Self::Share,
            b"NO" => Self::No,
            b"KEY" => Self::Key,
            b"LOCK" => Self::Lock,
            b"IN" => Self::In,
            b"NEXT" => Self::Next,
            b"VALUE" => Self::Value,
            b"DEFAULT" => Self::Default,
            b"ROLE" => Self::Role,
            b"READ" => Self::Read,
            b"WRITE" => Self::Write,
            b"GLOBAL" | b"PERSIST" | b"PERSIST_ONLY" | b"PASSWORD" => Self::ServerScope,
            b"IMMEDIATE" | b"EXCLUSIVE" => Self::WriteLock,
            b"ATOMIC" => Self::Atomic,
            b"PREPARED" => Self::Prepared,
            _ => Self::Other,
        }
    }
}

/// Why a statement whose first word is `upper` writes; `None` if the word is no known statement.
fn write_statement(upper: &[u8]) -> Option<&'static str> {
    Some(match upper {
        b"INSERT" => "INSERT statement",
        b"UPDATE" => "UPDATE statement",
        b"DELETE" => "DELETE statement",
        b"MERGE" => "MERGE statement",
        b"UPSERT" => "UPSERT statement",
        b"REPLACE" => "REPLACE statement",
        b"TRUNCATE" => "TRUNCATE statement",
        b"CREATE" => "CREATE statement",
        b"DROP" => "DROP statement",
        b"ALTER" => "ALTER statement",
        b"RENAME" => "RENAME statement",
        b"COPY" => "COPY statement",
        b"LOAD" => "LOAD statement",
        b"CALL" | b"EXECUTE" | b"EXEC" | b"DO" => "runs a procedure, prepared statement or block",
        b"LOCK" | b"UNLOCK" => "LOCK statement",
        b"GRANT" | b"REVOKE" => "GRANT/REVOKE changes privileges",
        b"VACUUM" | b"ANALYZE" | b"ANALYSE" | b"OPTIMIZE" | b"REINDEX" | b"CLUSTER"
        | b"REFRESH" | b"CHECKPOINT" | b"REPAIR" => "maintenance statement",
        b"PREPARE" | b"DEALLOCATE" | b"XA" | b"HANDLER" | b"COMMENT" | b"SECURITY" | b"IMPORT"
        | b"ATTACH" | b"DETACH" | b"NOTIFY" | b"LISTEN" | b"UNLISTEN" | b"FLUSH" | b"KILL"
        | b"PURGE" | b"RESET" | b"INSTALL" | b"UNINSTALL" | b"SHUTDOWN" | b"RESTART"
        | b"CHANGE" | b"STOP" | b"CLONE" | b"BINLOG" | b"CACHE" => {
            "statement that changes database or server state"
        }
        _ => return None,
    })
}

/// Why calling the function named `upper` has side effects; `None` if it is not a known one.
fn side_effect(upper: &[u8]) -> Option<&'static str> {
    const SEQUENCE: &str = "calls nextval()/setval(), which change a sequence";
    const LOCK: &str = "calls a function that takes or releases a lock";
    const ADMIN: &str = "calls a server administration or replication function";
    const XID: &str = "calls a function that assigns a transaction ID";
    const NOTIFY: &str = "calls pg_notify()";
    const LARGE_OBJECT: &str = "calls a large-object function";
    const REMOTE: &str = "calls dblink, which runs SQL elsewhere";
    const SQLITE: &str = "calls load_extension()/writefile()";
    const PREFIXES: &[(&[u8], &str)] = &[
        (b"PG_ADVISORY_", LOCK),
        (b"PG_TRY_ADVISORY_", LOCK),
        (b"PG_STAT_RESET", ADMIN),
        (b"PG_STAT_STATEMENTS_RESET", ADMIN),
        (b"PG_WAL_REPLAY_", ADMIN),
        (b"PG_CREATE_", ADMIN),
        (b"PG_DROP_", ADMIN),
        (b"PG_COPY_", ADMIN),
        (b"PG_LOGICAL_", ADMIN),
        (b"PG_REPLICATION_", ADMIN),
        (b"LO_", LARGE_OBJECT),
        (b"DBLINK", REMOTE),
    ];
    Some(match upper {
        b"NEXTVAL" | b"SETVAL" => SEQUENCE,
        b"GET_LOCK" | b"RELEASE_LOCK" | b"RELEASE_ALL_LOCKS" => LOCK,
        b"TXID_CURRENT" | b"PG_CURRENT_XACT_ID" => XID,
        b"PG_NOTIFY" => NOTIFY,
        b"LOWRITE" => LARGE_OBJECT,
        b"LOAD_EXTENSION" | b"WRITEFILE" => SQLITE,
        b"PG_TERMINATE_BACKEND"
        | b"PG_CANCEL_BACKEND"
        | b"PG_RELOAD_CONF"
        | b"PG_ROTATE_LOGFILE"
        | b"PG_SWITCH_WAL"
        | b"PG_SWITCH_XLOG"
        | b"PG_PROMOTE"
        | b"PG_BACKUP_START"
        | b"PG_BACKUP_STOP"
        | b"PG_START_BACKUP"
        | b"PG_STOP_BACKUP"
        | b"PG_FILE_WRITE"
        | b"PG_FILE_RENAME"
        | b"PG_FILE_UNLINK"
        | b"PG_IMPORT_SYSTEM_COLLATIONS" => ADMIN,
        _ => {
            return PREFIXES
                .iter()
                .find(|(prefix, _)| upper.starts_with(prefix))
                .map(|&(_, reason)| reason);
        }
    })
}

/// SQLite pragmas that only report, whatever their argument.
fn pragma_reads(word: &[u8]) -> bool {
    Upper::new(word).is_some_and(|upper| {
        matches!(
            upper.as_bytes(),
            b"TABLE_INFO"
                | b"TABLE_XINFO"
                | b"TABLE_LIST"
                | b"INDEX_LIST"
                | b"INDEX_INFO"
                | b"INDEX_XINFO"
                | b"FOREIGN_KEY_LIST"
                | b"FOREIGN_KEY_CHECK"
                | b"DATABASE_LIST"
                | b"COLLATION_LIST"
                | b"FUNCTION_LIST"
                | b"MODULE_LIST"
                | b"PRAGMA_LIST"
                | b"COMPILE_OPTIONS"
                | b"INTEGRITY_CHECK"
                | b"QUICK_CHECK"
                | b"PAGE_COUNT"
                | b"FREELIST_COUNT"
                | b"DATA_VERSION"
        )
    })
}

/// Whether a name mentions a read-only setting (`transaction_read_only`, `tx_read_only`, ...).
fn names_read_only(name: &[u8]) -> bool {
    name.windows(9)
        .any(|window| window.eq_ignore_ascii_case(b"read_only"))
}

/// Where a statement's leading-keyword state machine is.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Expecting the first keyword, looking through `(`.
    Lead,
    /// After `EXPLAIN`/`DESCRIBE`: skipping options; `format` after `FORMAT`.
    ExplainOptions { format: bool },
    /// Inside `EXPLAIN (...)` options, at this paren depth.
    ExplainParens(u32),
    /// A read statement's body: only the checks on every token apply.
    Body,
    /// After `SET`.
    SetFirst,
    /// A session `SET`.
    SetBody,
    /// MariaDB `SET STATEMENT ... FOR <statement>`, before `FOR`.
    SetStatement,
    /// After `START`: only `TRANSACTION` reads.
    Start,
    /// A transaction-control statement.
    Transaction,
    /// After `PRAGMA`.
    PragmaFirst,
    /// After `PRAGMA name`: `.` makes it a schema; `allowed` if the name is a read-only pragma.
    PragmaAfterFirst { allowed: bool },
    /// After `PRAGMA schema.`.
    PragmaName,
    /// A read-only pragma's argument.
    PragmaBody,
}

/// What the previous token leaves pending for the next one.
#[derive(Debug, Clone, Copy)]
enum Prev {
    None,
    /// `FOR`: `UPDATE`/`SHARE`/`NO KEY`/`KEY SHARE` next is a locking clause.
    For,
    /// `LOCK`: `IN` next is `LOCK IN SHARE MODE`.
    Lock,
    /// `NEXT`: `VALUE` next is `NEXT VALUE FOR`.
    Next,
    /// `DEFAULT`: `ROLE` next is `SET DEFAULT ROLE`.
    Default,
    /// `READ`: `WRITE` next is `READ WRITE`.
    Read,
    /// `SHOW`: `CREATE` next is `SHOW CREATE ...`, a read.
    Show,
    /// A write keyword that is also a function name: a write unless `(` follows.
    MaybeFunction(&'static str),
    /// A side-effecting function's name: a write if `(` follows.
    Callable(&'static str),
}

/// Why feeding a token to a statement stopped.
enum Stop {
    /// The statement writes.
    Write(&'static str),
    /// The statement is a syntax error.
    Invalid(&'static str),
}

/// The classification state of the statement being scanned.
struct Statement {
    state: State,
    prev: Prev,
    /// Why the statement writes, once known.
    write: Option<&'static str>,
}

impl Statement {
    const fn new() -> Self {
        Self {
            state: State::Lead,
            prev: Prev::None,
            write: None,
        }
    }

    /// Take the next token; `Err` if the statement is a syntax error.
    fn feed(&mut self, tok: Tok<'_>) -> Result<(), &'static str> {
        if self.write.is_some() {
            return Ok(());
        }
        let upper = match tok {
            Tok::Word(word) => Upper::new(word),
            _ => None,
        };
        let kw = upper.as_ref().map_or(Kw::Other, |u| Kw::of(u.as_bytes()));
        match self.step(tok, kw) {
            Ok(()) => {}
            Err(Stop::Write(reason)) => {
                self.write = Some(reason);
                return Ok(());
            }
            Err(Stop::Invalid(reason)) => return Err(reason),
        }
        if let Err(reason) = self.anywhere(tok, kw, upper.as_ref()) {
            self.write = Some(reason);
        }
        Ok(())
    }

    /// The statement is over: why it writes, if it does.
    fn finish(&self) -> Option<&'static str> {
        if self.write.is_some() {
            return self.write;
        }
        if let Prev::MaybeFunction(reason) = self.prev {
            return Some(reason);
        }
        match self.state {
            State::Start => Some(START_OTHER),
            State::PragmaFirst | State::PragmaName | State::PragmaAfterFirst { allowed: false } => {
                Some(PRAGMA)
            }
            _ => None,
        }
    }

    /// The leading-keyword state machine.
    fn step(&mut self, tok: Tok<'_>, kw: Kw) -> Result<(), Stop> {
        match self.state {
            State::Lead => self.lead(tok, kw, false),
            State::ExplainOptions { format } => match (tok, kw) {
                (Tok::Word(_), Kw::ExplainOption) => Ok(()),
                (Tok::Word(_), Kw::Format) => {
                    self.state = State::ExplainOptions { format: true };
                    Ok(())
                }
                (Tok::Punct(b'='), _) if format => Ok(()),
                (Tok::Word(_), _) if format => {
                    self.state = State::ExplainOptions { format: false };
                    Ok(())
                }
                (Tok::Punct(b'('), _) => {
                    self.state = State::ExplainParens(1);
                    Ok(())
                }
                _ => self.lead(tok, kw, true),
            },
            State::ExplainParens(depth) => {
                self.state = match tok {
                    Tok::Punct(b'(') => State::ExplainParens(depth + 1),
                    Tok::Punct(b')') if depth == 1 => State::ExplainOptions { format: false },
                    Tok::Punct(b')') => State::ExplainParens(depth - 1),
                    _ => State::ExplainParens(depth),
                };
                Ok(())
            }
            State::Body => Ok(()),
            State::SetFirst if kw == Kw::Statement => {
                self.state = State::SetStatement;
                Ok(())
            }
            State::SetFirst | State::SetBody => {
                self.state = State::SetBody;
                match tok {
                    _ if kw == Kw::ServerScope => Err(Stop::Write(SERVER_SETTING)),
                    Tok::Word(name) | Tok::Quoted { text: name, .. } if names_read_only(name) => {
                        Err(Stop::Write(READ_ONLY_SETTING))
                    }
                    _ => Ok(()),
                }
            }
            State::SetStatement => {
                if kw == Kw::For {
                    self.state = State::Lead;
                }
                Ok(())
            }
            State::Start if kw == Kw::Transaction => {
                self.state = State::Transaction;
                Ok(())
            }
            State::Start => Err(Stop::Write(START_OTHER)),
            State::Transaction => match kw {
                Kw::WriteLock => Err(Stop::Write(WRITE_LOCK_TXN)),
                Kw::Atomic => Err(Stop::Write(COMPOUND)),
                Kw::Prepared => Err(Stop::Write(TWO_PHASE)),
                _ => Ok(()),
            },
            State::PragmaFirst => match tok {
                Tok::Word(name) => {
                    self.state = State::PragmaAfterFirst {
                        allowed: pragma_reads(name),
                    };
                    Ok(())
                }
                _ => Err(Stop::Write(PRAGMA)),
            },
            State::PragmaAfterFirst { allowed } => match tok {
                Tok::Punct(b'.') => {
                    self.state = State::PragmaName;
                    Ok(())
                }
                _ if allowed => {
                    self.state = State::PragmaBody;
                    self.step(tok, kw)
                }
                _ => Err(Stop::Write(PRAGMA)),
            },
            State::PragmaName => match tok {
                Tok::Word(name) if pragma_reads(name) => {
                    self.state = State::PragmaBody;
                    Ok(())
                }
                _ => Err(Stop::Write(PRAGMA)),
            },
            State::PragmaBody => match tok {
                Tok::Punct(b'=') => Err(Stop::Write(PRAGMA)),
                _ => Ok(()),
            },
        }
    }

    /// A statement's first keyword (`explained`: the target of `EXPLAIN`/`DESCRIBE`, where a
    /// plain name is a table to describe).
    fn lead(&mut self, tok: Tok<'_>, kw: Kw, explained: bool) -> Result<(), Stop> {
        self.state = match (tok, kw) {
            (Tok::Punct(b'('), _) => State::Lead,
            (Tok::Word(_), Kw::Query | Kw::Show) => State::Body,
            (Tok::Word(_), Kw::Explain) => State::ExplainOptions { format: false },
            (Tok::Word(_), Kw::Pragma) => State::PragmaFirst,
            (Tok::Word(_), Kw::Set) => State::SetFirst,
            (Tok::Word(_), Kw::TxnControl) => State::Transaction,
            (Tok::Word(_), Kw::Start) => State::Start,
            (Tok::Word(word), _) => {
                let writes = Upper::new(word).and_then(|upper| write_statement(upper.as_bytes()));
                return match (writes, explained) {
                    (Some(_), true) => Err(Stop::Write(EXPLAIN_WRITE)),
                    (Some(reason), false) => Err(Stop::Write(reason)),
                    (None, true) => {
                        self.state = State::Body;
                        Ok(())
                    }
                    (None, false) => Err(Stop::Write(UNKNOWN_STATEMENT)),
                };
            }
            (Tok::Quoted { .. }, _) if explained => State::Body,
            // A MariaDB block label (`` `l`: BEGIN NOT ATOMIC ...``) or an unknown statement.
            (Tok::Quoted { .. }, _) => return Err(Stop::Write(UNKNOWN_STATEMENT)),
            _ => return Err(Stop::Invalid(NOT_A_STATEMENT)),
        };
        Ok(())
    }

    /// The checks that apply to every token of a statement, wherever it is.
    fn anywhere(
        &mut self,
        tok: Tok<'_>,
        kw: Kw,
        upper: Option<&Upper>,
    ) -> Result<(), &'static str> {
        let open = matches!(tok, Tok::Punct(b'('));
        match mem::replace(&mut self.prev, Prev::None) {
            Prev::MaybeFunction(reason) if !open => return Err(reason),
            Prev::Callable(reason) if open => return Err(reason),
            Prev::For if matches!(kw, Kw::Update | Kw::Share | Kw::No | Kw::Key) => {
                return Err(ROW_LOCK);
            }
            Prev::Lock if kw == Kw::In => return Err(ROW_LOCK),
            Prev::Next if kw == Kw::Value => return Err(NEXT_VALUE),
            Prev::Default if kw == Kw::Role => return Err(DEFAULT_ROLE),
            Prev::Read if kw == Kw::Write => return Err(READ_WRITE),
            Prev::Show if kw == Kw::Create => return Ok(()),
            _ => {}
        }
        self.prev = match (tok, kw) {
            (Tok::Word(_), Kw::Update) => return Err("contains UPDATE"),
            (Tok::Word(_), Kw::Create) => return Err("contains CREATE"),
            (Tok::Word(_), Kw::Writes(reason)) => return Err(reason),
            (Tok::Word(_), Kw::Into) => return Err(INTO),
            (Tok::Word(_), Kw::MaybeFunction(reason)) => Prev::MaybeFunction(reason),
            (Tok::Word(_), Kw::For) => Prev::For,
            (Tok::Word(_), Kw::Lock) => Prev::Lock,
            (Tok::Word(_), Kw::Next) => Prev::Next,
            (Tok::Word(_), Kw::Default) => Prev::Default,
            (Tok::Word(_), Kw::Read) => Prev::Read,
            (Tok::Word(_), Kw::Show) => Prev::Show,
            (Tok::Word(_), Kw::Other) => upper
                .and_then(|u| side_effect(u.as_bytes()))
                .map_or(Prev::None, Prev::Callable),
            (Tok::Quoted { unicode: true, .. }, _) => Prev::Callable(UNICODE_NAME),
            (Tok::Quoted { text, .. }, _) => Upper::new(text)
                .and_then(|u| side_effect(u.as_bytes()))
                .map_or(Prev::None, Prev::Callable),
            _ => Prev::None,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::StatementKind::{Read as R, Write as W};
    use super::*;

    /// `(sql, expected, why)`: reads Rails' write-query regex wrongly blocked, writes it let
    /// through, and the tokenizer's traps.
    const CASES: &[(&str, StatementKind, &str)] = &[
        // Harmless non-statements.
        ("", R, "empty query"),
        (";", R, "only a semicolon"),
        (";; ;", R, "only semicolons"),
        ("   \n\t  ", R, "only whitespace"),
        ("/* nothing */", R, "only a block comment"),
        ("-- nothing", R, "only a line comment"),
        // Plain reads in every shape.
        ("SELECT 1", R, "plain SELECT"),
        ("select 1", R, "lowercase"),
        ("SeLeCt 1", R, "mixed case"),
        (
            "  select 1  ;  ",
            R,
            "surrounding whitespace and a trailing semicolon",
        ),
        ("(SELECT 1)", R, "leading parenthesis"),
        ("(SELECT 1) UNION (SELECT 2)", R, "parenthesised UNION"),
        ("((SELECT 1)) UNION ALL SELECT 2", R, "doubled parentheses"),
        ("SELECT a FROM t UNION SELECT b FROM u", R, "UNION"),
        (
            "/* app:web */ SELECT 1",
            R,
            "leading block comment (query tags)",
        ),
        ("-- x\nSELECT 1", R, "leading line comment"),
        ("# x\nSELECT 1", R, "leading MySQL # comment"),
        ("SELECT 1; SELECT 2", R, "two reads"),
        ("WITH t AS (SELECT 1) SELECT * FROM t", R, "CTE"),
        (
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r",
            R,
            "recursive CTE",
        ),
        ("VALUES (1), (2)", R, "VALUES"),
        ("TABLE users", R, "PostgreSQL TABLE"),
        ("SHOW TABLES", R, "SHOW"),
        ("SHOW CREATE TABLE users", R, "SHOW CREATE is a read"),
        ("EXPLAIN SELECT 1", R, "EXPLAIN of a read"),
        (
            "EXPLAIN ANALYZE SELECT * FROM t",
            R,
            "EXPLAIN ANALYZE of a read",
        ),
        (
            "EXPLAIN (ANALYZE, BUFFERS) SELECT 1",
            R,
            "EXPLAIN options of a read",
        ),
        (
            "EXPLAIN QUERY PLAN SELECT * FROM t",
            R,
            "SQLite EXPLAIN QUERY PLAN",
        ),
        ("EXPLAIN FORMAT=JSON SELECT 1", R, "MySQL EXPLAIN FORMAT"),
        ("DESCRIBE users", R, "DESCRIBE a table"),
        ("desc `users`", R, "DESC a quoted table"),
        ("BEGIN", R, "BEGIN"),
        ("COMMIT", R, "COMMIT"),
        ("ROLLBACK TO SAVEPOINT s1", R, "ROLLBACK TO"),
        ("SAVEPOINT s1; RELEASE SAVEPOINT s1", R, "savepoints"),
        ("START TRANSACTION READ ONLY", R, "START TRANSACTION"),
        (
            "BEGIN ISOLATION LEVEL REPEATABLE READ",
            R,
            "BEGIN with isolation",
        ),
        ("SET search_path = app, public", R, "session SET"),
        ("SET SESSION sql_mode = 'ANSI'", R, "SET SESSION"),
        ("SET LOCAL statement_timeout = 5000", R, "SET LOCAL"),
        ("SET NAMES utf8mb4", R, "SET NAMES"),
        ("PRAGMA table_info(users)", R, "read-only pragma"),
        (
            "PRAGMA main.index_list('users')",
            R,
            "read-only pragma with a schema",
        ),
        (
            "/*!40101 SET NAMES utf8 */",
            R,
            "mysqldump-style executable comment",
        ),
        (
            "SELECT /*+ MAX_EXECUTION_TIME(1000) */ * FROM t",
            R,
            "optimizer hint",
        ),
        (
            "SET STATEMENT max_statement_time=1 FOR SELECT * FROM t",
            R,
            "MariaDB SET STATEMENT",
        ),
        // Write keywords inside names, strings and comments.
        ("SELECT deleted_at FROM t", R, "DELETE inside an identifier"),
        ("SELECT * FROM \"update\"", R, "quoted identifier"),
        ("SELECT `delete` FROM t", R, "backquoted identifier"),
        ("SELECT 'DROP TABLE x'", R, "string"),
        (
            "SELECT updated, into_count FROM t",
            R,
            "INTO only as a whole word",
        ),
        ("SELECT * FROM t -- DELETE", R, "trailing line comment"),
        ("SELECT '*/ DELETE FROM t'", R, "string containing */"),
        (
            "SELECT '-- ' || a, '/*' FROM t; SELECT 1",
            R,
            "strings containing -- and /*",
        ),
        ("SELECT 'it''s; DELETE FROM t'", R, "doubled quote"),
        (
            "SELECT 'it\\'s; DELETE FROM t'",
            R,
            "MySQL reads one string; PostgreSQL/SQLite see a broken second statement",
        ),
        (
            "SELECT E'it\\'s; DELETE FROM t'",
            R,
            "PostgreSQL E-string escape",
        ),
        (
            "SELECT $tag$ it's ; DROP TABLE t $tag$",
            R,
            "dollar-quoted string; without dollar quoting the quote is unterminated",
        ),
        (
            "SELECT $$abc",
            R,
            "open dollar quote in PostgreSQL, a name elsewhere: no write",
        ),
        ("SELECT a[1] FROM t", R, "PostgreSQL array subscript"),
        (
            "SELECT data #>> '{a,b}' FROM t",
            R,
            "PostgreSQL #>> operator",
        ),
        (
            "SELECT replace(name, 'a', 'b') FROM t",
            R,
            "replace() function",
        ),
        (
            "SELECT truncate(1.55, 1), insert('abc', 1, 1, 'x')",
            R,
            "MySQL functions",
        ),
        (
            "SELECT substring(s FROM 1 FOR 3) FROM t",
            R,
            "FOR without a lock",
        ),
        ("SELECT * FROM t WHERE id = $1 AND b = ?", R, "parameters"),
        ("SELECT 1.5e3, 2e-1, .5 FROM t", R, "numbers"),
        ("SELECT 1 -- note\r\nFROM t", R, "CRLF line ends"),
        (
            "SELECT * FROM t WHERE a = 'x' -- it's\n",
            R,
            "quote inside a comment",
        ),
        (
            "/* a /* b */ SELECT 1",
            R,
            "PostgreSQL finds this unterminated, MySQL runs SELECT 1",
        ),
        // Writes Rails let through: EXPLAIN runs its statement.
        (
            "EXPLAIN ANALYZE DELETE FROM t",
            W,
            "EXPLAIN ANALYZE runs the DELETE",
        ),
        (
            "EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1",
            W,
            "PostgreSQL EXPLAIN options",
        ),
        (
            "EXPLAIN DELETE FROM t",
            W,
            "EXPLAIN of a write, conservatively",
        ),
        (
            "EXPLAIN ANALYZE SELECT nextval('s')",
            W,
            "EXPLAIN ANALYZE of a side effect",
        ),
        // Comment tricks.
        ("/**/DELETE FROM t", W, "empty comment before DELETE"),
        ("/* SELECT */ DELETE FROM t", W, "SELECT inside a comment"),
        (
            "-- SELECT\nDELETE FROM t",
            W,
            "SELECT inside a line comment",
        ),
        ("# SELECT\nDELETE FROM t", W, "SELECT inside a # comment"),
        ("/*! DELETE */", W, "MySQL executable comment"),
        (
            "/*!50000 DELETE */ FROM t",
            W,
            "versioned executable comment",
        ),
        (
            "/*M!100100 DELETE FROM t */",
            W,
            "MariaDB executable comment",
        ),
        (
            "/*! SELECT 1 -- */ ; DELETE FROM t",
            W,
            "as a plain comment, DELETE follows",
        ),
        (
            "/*! SELECT '*/' */ SELECT 1",
            W,
            "executable comment end is ambiguous",
        ),
        (
            "/* /* */ SELECT 1 -- */ DELETE FROM t",
            W,
            "PostgreSQL nests comments: it runs DELETE; flat readers see SELECT 1",
        ),
        (
            "/* /* */ DELETE FROM t; */ SELECT 1",
            W,
            "MySQL/SQLite end the comment early and run DELETE",
        ),
        (
            "/* outer /* inner */ still */ SELECT 1",
            W,
            "read by PostgreSQL only; flat readers see an unknown statement",
        ),
        (
            "SELECT 1 --1; DELETE FROM t",
            W,
            "MySQL: --1 is not a comment",
        ),
        (
            "SELECT 1 # x; DELETE FROM t",
            W,
            "PostgreSQL: # is an operator",
        ),
        (
            "SELECT 1 -- x\r; DELETE FROM t",
            W,
            "PostgreSQL: a lone CR ends the comment",
        ),
        (
            "SELECT 'a\\'; DELETE FROM t; -- '",
            W,
            "PostgreSQL: the backslash escapes nothing",
        ),
        (
            "SELECT E'\\''; DELETE FROM t; --'",
            W,
            "E-string escape hides the DELETE otherwise",
        ),
        (
            "SELECT [--] ; DELETE FROM t",
            W,
            "SQLite: [--] is an identifier",
        ),
        (
            "SELECT $$;DROP TABLE t$$",
            W,
            "MySQL/SQLite have no dollar quoting",
        ),
        ("SELECT 1\0; DELETE FROM t", W, "NUL byte"),
        // INTO.
        (
            "SELECT * INTO new_t FROM t",
            W,
            "PostgreSQL SELECT INTO creates a table",
        ),
        (
            "SELECT 1e1into t",
            W,
            "INTO glued to a number (PostgreSQL 14)",
        ),
        ("SELECT a INTO @x FROM t", W, "MySQL SELECT INTO a variable"),
        ("SELECT * FROM t INTO OUTFILE '/tmp/x'", W, "INTO OUTFILE"),
        // Stacked statements.
        ("SELECT 1; DROP TABLE t", W, "stacked DROP"),
        ("SELECT 1;DROP TABLE t", W, "stacked DROP without a space"),
        (
            "SELECT * FROM t WHERE a = 'x' OR 1=1; UPDATE t SET a = 2",
            W,
            "injection",
        ),
        // Data-modifying CTEs.
        (
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
            W,
            "DELETE in a CTE",
        ),
        (
            "WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT 1",
            W,
            "UPDATE in a CTE",
        ),
        (
            "WITH i AS (INSERT INTO t VALUES (1) RETURNING id) SELECT id FROM i",
            W,
            "INSERT in a CTE",
        ),
        (
            "WITH x AS (SELECT 1) DELETE FROM t",
            W,
            "CTE before a DELETE",
        ),
        // Locking reads.
        ("SELECT * FROM t FOR UPDATE", W, "FOR UPDATE"),
        ("SELECT * FROM t FOR NO KEY UPDATE", W, "FOR NO KEY UPDATE"),
        ("SELECT * FROM t FOR SHARE", W, "FOR SHARE"),
        (
            "SELECT * FROM t FOR KEY SHARE SKIP LOCKED",
            W,
            "FOR KEY SHARE",
        ),
        (
            "SELECT * FROM t LOCK IN SHARE MODE",
            W,
            "LOCK IN SHARE MODE",
        ),
        // Side-effecting functions.
        ("SELECT nextval('s')", W, "nextval"),
        (
            "SELECT pg_catalog.setval('s', 1)",
            W,
            "schema-qualified setval",
        ),
        ("select pg_advisory_lock(1)", W, "advisory lock"),
        ("SELECT GET_LOCK('x', 10)", W, "MySQL named lock"),
        (
            "SELECT pg_terminate_backend(123)",
            W,
            "terminates a backend",
        ),
        ("SELECT \"nextval\"('s')", W, "quoted function name"),
        ("SELECT NEXT VALUE FOR s", W, "MariaDB sequence"),
        (
            "SELECT 1 UNION SELECT nextval('s')",
            W,
            "side effect after UNION",
        ),
        // Write statements.
        ("INSERT INTO t VALUES (1)", W, "INSERT"),
        ("UPDATE t SET a = 1", W, "UPDATE"),
        ("DELETE FROM t", W, "DELETE"),
        (
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
            W,
            "MERGE",
        ),
        ("REPLACE INTO t VALUES (1)", W, "REPLACE"),
        ("TRUNCATE t", W, "TRUNCATE"),
        ("CREATE TABLE t (a int)", W, "CREATE"),
        ("DROP TABLE t", W, "DROP"),
        ("ALTER TABLE t ADD COLUMN b int", W, "ALTER"),
        ("GRANT SELECT ON t TO u", W, "GRANT"),
        ("COPY t FROM stdin", W, "COPY"),
        ("CALL p()", W, "CALL"),
        ("DO $$ BEGIN DELETE FROM t; END $$", W, "DO block"),
        ("LOCK TABLE t", W, "LOCK TABLE"),
        ("VACUUM", W, "VACUUM"),
        ("ANALYZE t", W, "ANALYZE"),
        ("frobnicate t", W, "unknown statement"),
        ("1; SELECT 1", W, "not a statement in any dialect"),
        // SET, transactions and pragmas that write.
        ("SET GLOBAL max_connections = 10", W, "SET GLOBAL"),
        ("SET @@global.max_connections = 10", W, "SET @@global"),
        ("SET PERSIST max_connections = 10", W, "SET PERSIST"),
        ("SET a = 1, GLOBAL b = 2", W, "GLOBAL later in the list"),
        ("SET PASSWORD = 'x'", W, "SET PASSWORD"),
        ("SET DEFAULT ROLE admin TO u", W, "SET DEFAULT ROLE"),
        (
            "SET default_transaction_read_only = off",
            W,
            "turns off read-only mode",
        ),
        ("SET TRANSACTION READ WRITE", W, "READ WRITE"),
        (
            "START TRANSACTION READ WRITE",
            W,
            "START TRANSACTION READ WRITE",
        ),
        (
            "SET STATEMENT max_statement_time=1 FOR DELETE FROM t",
            W,
            "SET STATEMENT of a write",
        ),
        ("BEGIN IMMEDIATE", W, "SQLite write lock"),
        (
            "BEGIN NOT ATOMIC DELETE FROM t; END",
            W,
            "MariaDB compound statement",
        ),
        ("START REPLICA", W, "START REPLICA"),
        ("COMMIT PREPARED 'tx1'", W, "two-phase commit"),
        ("PRAGMA journal_mode = WAL", W, "pragma assignment"),
        ("PRAGMA optimize", W, "pragma that may write"),
        // Broken text.
        ("SELECT 'abc", W, "unterminated string"),
        ("SELECT \"abc", W, "unterminated quoted identifier"),
        ("SELECT 1 /* unterminated", W, "unterminated comment"),
        (
            "DELETE FROM t /* unterminated",
            W,
            "SQLite runs a statement ending in an open comment",
        ),
    ];

    /// Writes that are writes only because the text is broken everywhere: appending to them
    /// changes nothing and a read before them can re-balance their quotes.
    fn broken(sql: &str) -> bool {
        matches!(
            classify(sql).reason(),
            Some(UNTERMINATED_STRING | UNTERMINATED_IDENT | UNTERMINATED_COMMENT | NOT_A_STATEMENT)
        )
    }

    /// Reads that some dialect rejects as a syntax error (`# x` outside MySQL, `$tag$` outside
    /// PostgreSQL): there, nothing stacked after them runs either, so they may hide a write
    /// that only that dialect would see.
    fn rejected_somewhere(sql: &str) -> bool {
        (0..1u16 << RULES).any(|rules| matches!(scan(sql.as_bytes(), rules).0, Outcome::Invalid(_)))
    }

    #[test]
    fn table() {
        let mut failures = Vec::new();
        for &(sql, expected, why) in CASES {
            let got = classify(sql);
            if got.kind() != expected {
                failures.push(format!(
                    "{sql:?} ({why}): expected {expected:?}, got {got:?}"
                ));
            }
            assert_eq!(got.is_read(), got.reason().is_none(), "{sql:?}");
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn table_is_large_enough() {
        let reads = CASES.iter().filter(|c| c.1 == R).count();
        assert!(CASES.len() >= 60 && reads >= 20, "{} cases", CASES.len());
    }

    #[test]
    fn a_write_stacked_with_a_read_is_a_write() {
        let reads: Vec<_> = CASES.iter().filter(|c| c.1 == R).map(|c| c.0).collect();
        let writes: Vec<_> = CASES.iter().filter(|c| c.1 == W).map(|c| c.0).collect();
        let mut failures = Vec::new();
        let mut pairs = 0;
        for &read in reads.iter().filter(|r| !rejected_somewhere(r)) {
            for &write in writes.iter().filter(|w| !broken(w)) {
                for sql in [format!("{read}\n;\n{write}"), format!("{write}\n;\n{read}")] {
                    pairs += 1;
                    if classify(&sql).is_read() {
                        failures.push(sql);
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "read as reads:\n{}",
            failures.join("\n---\n")
        );
        assert!(pairs > 5000, "{pairs}");
    }

    #[test]
    fn the_exceptions_are_few() {
        let rejected: Vec<_> = CASES
            .iter()
            .filter(|c| c.1 == R && rejected_somewhere(c.0))
            .map(|c| c.0)
            .collect();
        let expected = [
            "# x\nSELECT 1",
            "SELECT 'it\\'s; DELETE FROM t'",
            "SELECT E'it\\'s; DELETE FROM t'",
            "SELECT $tag$ it's ; DROP TABLE t $tag$",
            "SELECT $$abc",
            "/* a /* b */ SELECT 1",
        ];
        assert_eq!(rejected, expected);
        let broken: Vec<_> = CASES
            .iter()
            .filter(|c| c.1 == W && broken(c.0))
            .map(|c| c.0)
            .collect();
        let expected = [
            "1; SELECT 1",
            "SELECT 'abc",
            "SELECT \"abc",
            "SELECT 1 /* unterminated",
        ];
        assert_eq!(broken, expected);
    }

    #[test]
    fn reasons() {
        let reason = |sql| classify(sql).reason().unwrap_or_default();
        assert_eq!(reason("SELECT * FROM t FOR UPDATE"), ROW_LOCK);
        assert_eq!(reason("SELECT 1; DROP TABLE t"), "DROP statement");
        assert_eq!(
            reason("WITH d AS (DELETE FROM t) SELECT 1"),
            "contains DELETE"
        );
        assert_eq!(reason("SELECT a INTO @x FROM t"), INTO);
        assert_eq!(reason("EXPLAIN ANALYZE DELETE FROM t"), EXPLAIN_WRITE);
        assert_eq!(reason("SELECT 'abc"), UNTERMINATED_STRING);
        assert_eq!(reason("SELECT 1 /* x"), UNTERMINATED_COMMENT);
        assert_eq!(classify("SELECT 1").kind(), StatementKind::Read);
        assert_eq!(classify("SELECT 1").reason(), None);
    }

    #[test]
    fn too_many_dialect_rules_is_a_write() {
        // `\` in '', `#`, `[`, `$$`, nested `/*`, `/*!`, `--x`: seven rules.
        let sql = "SELECT 'a\\b', a # b\n, c[1], $$x$$ /* /* */ */ /*! 1 */ --x\n FROM t";
        assert_eq!(classify(sql).reason(), Some(TOO_AMBIGUOUS));
    }
}
