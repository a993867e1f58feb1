//! Where the report goes: stdout, or a file written atomically. The file is claimed before the scan starts (a
//! temporary file beside the target, so an unwritable directory fails at once), filled when the report is
//! ready, flushed to disk and renamed over the target: a reader sees the old file or the whole new one,
//! never a half-written report. The temporary file is removed on every other path.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct Output {
    target: Target,
}

enum Target {
    Stdout,
    File {
        path: PathBuf,
        temp: PathBuf,
        file: Option<File>,
    },
}

impl Output {
    pub fn stdout() -> Self {
        Self { target: Target::Stdout }
    }

    /// Claims `path`: creates the temporary file it will be renamed from. Fails when the directory does not
    /// exist or is not writable, or when `path` is a directory.
    pub fn file(path: &Path) -> Result<Self, String> {
        let shown = path.display();
        if path.is_dir() {
            return Err(format!("--output {shown} is a directory"));
        }
        let name = path
            .file_name()
            .ok_or_else(|| format!("--output {shown} does not name a file"))?;
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let unique = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let temp = directory.join(format!(
            ".{}.aisec-{}-{unique}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| format!("cannot write the report to {shown}: {e}"))?;
        Ok(Self {
            target: Target::File {
                path: path.to_path_buf(),
                temp,
                file: Some(file),
            },
        })
    }

    /// Writes the whole report. For a file: write, flush to disk, rename over the target.
    pub fn commit(self, bytes: &[u8]) -> Result<(), String> {
        self.commit_with(|out| out.write_all(bytes))
    }

    /// Writes the report through `write`, buffered, straight into its destination: a report of a large tenant
    /// is never held whole in memory. A file is renamed over the target only once `write` succeeded and the
    /// data is on disk; on stdout, an error can leave part of the report written.
    pub fn commit_with(mut self, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), String> {
        match &mut self.target {
            Target::Stdout => {
                let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                write(&mut stdout)
                    .and_then(|()| stdout.flush())
                    .map_err(|e| format!("cannot write the report to stdout: {e}"))
            }
            Target::File { path, temp, file } => {
                let shown = path.display().to_string();
                let handle = file
                    .take()
                    .ok_or_else(|| format!("the report for {shown} was already written"))?;
                let mut buffered = std::io::BufWriter::new(handle);
                write(&mut buffered)
                    .and_then(|()| buffered.into_inner().map_err(std::io::IntoInnerError::into_error))
                    .and_then(|handle| handle.sync_all())
                    .map_err(|e| format!("cannot write the report to {shown}: {e}"))?;
                std::fs::rename(&*temp, &*path).map_err(|e| format!("cannot write the report to {shown}: {e}"))?;
                // Renamed: nothing left for `drop` to clean up.
                *temp = PathBuf::new();
                Ok(())
            }
        }
    }

    /// Gives up: removes the temporary file, leaves the target untouched.
    pub fn abandon(self) {}
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Target::File { temp, file, .. } = &mut self.target {
            drop(file.take());
            if !temp.as_os_str().is_empty() {
                let _ = std::fs::remove_file(&*temp);
            }
        }
    }
}

/// Writes `bytes` to `path` atomically (see the module documentation).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    Output::file(path)?.commit(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("aisec-scan-output-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_target_and_leaves_no_temporary_file() {
        let dir = scratch("replace");
        let target = dir.join("report.json");
        std::fs::write(&target, "old").unwrap();
        let output = Output::file(&target).unwrap();
        // Until the commit the old content stays.
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        output.commit(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(entries(&dir), vec!["report.json"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A report written as it is serialised can fail half-way: the target keeps its old content and the
    /// part already written goes with the temporary file.
    #[test]
    fn a_write_failing_half_way_leaves_the_target_as_it_was() {
        let dir = scratch("half");
        let target = dir.join("report.json");
        std::fs::write(&target, "old").unwrap();
        let error = Output::file(&target)
            .unwrap()
            .commit_with(|out| {
                out.write_all(&[b'x'; 100_000])?;
                Err(std::io::Error::other("serialiser gave up"))
            })
            .unwrap_err();
        assert!(
            error.contains("serialiser gave up") && error.contains("report.json"),
            "{error}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(entries(&dir), vec!["report.json"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn abandoning_removes_the_temporary_file() {
        let dir = scratch("abandon");
        let target = dir.join("report.sarif");
        Output::file(&target).unwrap().abandon();
        assert!(entries(&dir).is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn refuses_missing_directories_and_directories() {
        let dir = scratch("refuse");
        assert!(Output::file(&dir.join("missing/report.md")).is_err());
        assert!(Output::file(&dir).is_err());
        assert!(write_atomically(&dir.join("missing/x"), b"x").is_err());
        assert!(entries(&dir).is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
