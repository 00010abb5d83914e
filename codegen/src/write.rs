//! Writing the generated file, only when its content changed (so cargo does not rebuild
//! dependents for nothing).

use std::path::Path;

use crate::Error;

pub(crate) fn write_if_changed(path: &Path, content: &str) -> Result<bool, Error> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(false);
    }
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, content).map_err(io)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_only_when_changed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out/gen.rs");
        assert!(write_if_changed(&path, "a").expect("first write"));
        assert!(!write_if_changed(&path, "a").expect("same content"));
        assert!(write_if_changed(&path, "b").expect("changed"));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "b");
    }
}
