//! Process-wide allocator settings.

/// Blocks from this size on are mapped on their own and given back to the system when freed.
///
/// glibc's default starts at 128 KiB but raises itself after each large free, up to 32 MiB, so the blocks a
/// refresh passes through (Resource Graph pages, metric answers of 0.2–1.7 MB, result vectors) end up
/// inside the heap, where they fragment it and keep the resident set high after they are freed. A fixed
/// threshold stops that: on the 10,000-resource tenant the first load peaked at ≈ 146 MB resident instead of
/// ≈ 152 MB for the same heap. Lower thresholds (256 KiB: ≈ 142 MB) cost measurable CPU in page faults, since
/// every metric answer is then a fresh mapping.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_FROM: libc::c_int = 512 * 1024;

/// Caps glibc's malloc at two arenas and fixes the size from which blocks are mapped on their own
/// ([`MMAP_FROM`]). glibc gives threads that allocate at the same time arenas of their own (up to eight per
/// core) and seldom returns their free space: the collector's work on tokio workers and the
/// checks' helper threads then left the resident set of a 10,000-resource cockpit growing with every refresh
/// (474 MB after four, against 364 MB with two arenas, for the same ≈ 240 MB of live heap). Call it first
/// thing in `main`, before any thread starts; elsewhere than glibc it does nothing.
pub fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only changes a malloc parameter; called before other threads exist, it races
        // with no allocation. Its return value (0 on failure) leaves the default in place, which is harmless.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_FROM);
        }
    }
}

/// Hands the free memory inside malloc's heap back to the system (glibc's `malloc_trim`): freed blocks in the
/// middle of the heap otherwise stay resident until malloc reuses them, and a refresh's peak comes on top.
/// Call it when a large piece of work has just let go of its memory; elsewhere than glibc it does nothing.
pub fn give_back_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `malloc_trim` takes malloc's own locks and only releases pages of free chunks; it may be
        // called from any thread at any time.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}
