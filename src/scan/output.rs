//! Where the report goes: stdout, or a file written atomically. The file is claimed before the scan starts (a
//! temporary file beside the target, so an unwritable directory fails at once), filled when the report is
//! ready, flushed to disk and renamed over the target: a reader sees the old file or the whole new one,
//! never a half-written report. The temporary file is removed on every other path. The new file keeps the
//! permissions of the one it replaces; a symbolic link is followed (the file it names is replaced, the link
//! stays); a target that is not a regular file (`/dev/stdout`, a FIFO, a device) is written in place, since
//! renaming over it would replace the device with a file. `-` is standard output.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct Output {
    target: Target,
}

enum Target {
    Stdout,
    /// Not a regular file: written in place.
    Special {
        path: PathBuf,
        file: Option<File>,
    },
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
        if path.as_os_str() == "-" {
            return Ok(Self::stdout());
        }
        let path = follow_links(path).map_err(|e| format!("cannot write the report to {shown}: {e}"))?;
        let existing = std::fs::metadata(&path).ok();
        if let Some(meta) = existing.as_ref().filter(|meta| !meta.is_file()) {
            if meta.is_dir() {
                return Err(format!("--output {shown} is a directory"));
            }
            let file = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| format!("cannot write the report to {shown}: {e}"))?;
            return Ok(Self {
                target: Target::Special { path, file: Some(file) },
            });
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
        let output = Self {
            target: Target::File {
                path: path.clone(),
                temp: temp.clone(),
                file: Some(file),
            },
        };
        // A report someone made private stays private when it is rewritten.
        if let Some(meta) = existing {
            std::fs::set_permissions(&temp, meta.permissions())
                .map_err(|e| format!("cannot write the report to {shown}: {e}"))?;
        }
        Ok(output)
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
            Target::Special { path, file } => write_to(file, path, write, |_| Ok(())),
            Target::File { path, temp, file } => {
                let shown = path.display().to_string();
                // On disk before the rename, so a crash cannot leave an empty report where the old one was.
                write_to(file, path, write, File::sync_all)?;
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

/// Writes through a buffer into `file` (taken: a report is written once), then `finish`es the file; errors
/// name `path`.
fn write_to(
    file: &mut Option<File>,
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    finish: impl FnOnce(&File) -> std::io::Result<()>,
) -> Result<(), String> {
    let shown = path.display();
    let handle = file
        .take()
        .ok_or_else(|| format!("the report for {shown} was already written"))?;
    let mut buffered = std::io::BufWriter::new(handle);
    write(&mut buffered)
        .and_then(|()| buffered.into_inner().map_err(std::io::IntoInnerError::into_error))
        .and_then(|handle| finish(&handle))
        .map_err(|e| format!("cannot write the report to {shown}: {e}"))
}

/// The path a chain of symbolic links ends at (a link's relative target is relative to the link's directory),
/// or `path` itself when it is not a link or does not exist yet.
fn follow_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    // Like the kernel, give up on a chain this long: it is a loop.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
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

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_stays_a_link() {
        let dir = scratch("link");
        std::fs::write(dir.join("real.json"), "old").unwrap();
        std::os::unix::fs::symlink("real.json", dir.join("link.json")).unwrap();
        write_atomically(&dir.join("link.json"), b"new").unwrap();
        let link = std::fs::symlink_metadata(dir.join("link.json")).unwrap();
        assert!(link.file_type().is_symlink(), "the link is still a link");
        assert_eq!(std::fs::read_to_string(dir.join("real.json")).unwrap(), "new");
        assert_eq!(entries(&dir), vec!["link.json", "real.json"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = scratch("fifo");
        let fifo = dir.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo is not available: skipped");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write_atomically(&fifo, b"report").unwrap();
        assert_eq!(reader.join().unwrap(), "report");
        assert!(
            std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(),
            "still a FIFO"
        );
        assert_eq!(entries(&dir), vec!["pipe"], "no temporary file");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_rewritten_report_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("mode");
        let target = dir.join("private.json");
        std::fs::write(&target, "old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomically(&target, b"new").unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_dash_is_standard_output() {
        let output = Output::file(Path::new("-")).unwrap();
        assert!(matches!(output.target, Target::Stdout));
    }
}
