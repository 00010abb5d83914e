//! "Did you mean ...?": the closest known name to a misspelt one.

/// The candidate closest to `name`, if one is close enough to be a likely typo.
///
/// Distance is optimal string alignment (Levenshtein plus adjacent transpositions, so `tpye`
/// is one edit from `type`), compared case-insensitively. A candidate qualifies within one edit
/// per three characters of `name` (at least one), which accepts `nulable` → `nullable` but not
/// `int` → `i16`. Ties go to the earliest candidate, so callers list likely names first.
pub fn did_you_mean<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let name: Vec<char> = name.to_lowercase().chars().collect();
    let allowed = (name.len() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let lower: Vec<char> = candidate.to_lowercase().chars().collect();
        let distance = distance(&name, &lower);
        if distance <= allowed && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance between two strings.
fn distance(a: &[char], b: &[char]) -> usize {
    // Three rolling rows: the transposition step looks two rows back.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            let mut cost = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            if i > 0 && j > 0 && ca == b[j - 1] && a[i - 1] == cb {
                cost = cost.min(before[j - 1] + 1);
            }
            current[j + 1] = cost;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        distance(&a, &b)
    }

    #[test]
    fn distances() {
        assert_eq!(d("", ""), 0);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("tpye", "type"), 1);
        assert_eq!(d("nulable", "nullable"), 1);
        assert_eq!(d("héllo", "hello"), 1);
    }

    #[test]
    fn suggestions() {
        let keys = [
            "type",
            "nullable",
            "unique",
            "primary_key",
            "default",
            "column",
            "doc",
        ];
        assert_eq!(did_you_mean("nulable", keys), Some("nullable"));
        assert_eq!(did_you_mean("tpye", keys), Some("type"));
        assert_eq!(did_you_mean("Nullable", keys), Some("nullable"));
        assert_eq!(did_you_mean("primarykey", keys), Some("primary_key"));
        assert_eq!(did_you_mean("zzz", keys), None);
        assert_eq!(
            did_you_mean("primery", ["primary", "animals"]),
            Some("primary")
        );
        assert_eq!(did_you_mean("strng", ["string", "text"]), Some("string"));
        assert_eq!(did_you_mean("int", ["i16", "i32", "i64"]), None);
        assert_eq!(did_you_mean("", ["a"]), Some("a"));
        assert_eq!(did_you_mean("x", []), None);
    }
}
