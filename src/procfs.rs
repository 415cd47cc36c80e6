// SPDX-License-Identifier: GPL-2.0

//! A `/proc` file backed by `seq_file`, for 6.12's Rust, which has no procfs.
//!
//! Reads go through `single_open_size()`/`seq_read()`: the whole text is
//! rendered once per open into a buffer big enough for it (`seq_read` grows
//! the buffer and renders again if the hint was short), so reads of any size
//! and at any offset see one consistent snapshot. Writes hand the bytes of one
//! `write()` call to the handler.
//!
//! `linux/proc_fs.h` is not in 6.12's Rust bindings, so `struct proc_ops` and
//! the two functions are declared here, following that header.

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void};

use kernel::bindings;
use kernel::error::{code::EINVAL, code::ENOMEM, Result};
use kernel::str::CStr;
use kernel::sync::Arc;
use kernel::uaccess::UserSlice;

/// `struct proc_ops` of `include/linux/proc_fs.h` (6.12). `RANDSTRUCT`, which
/// would shuffle it, cannot be enabled together with Rust.
#[repr(C)]
pub struct ProcOps {
    proc_flags: c_uint,
    proc_open: Option<unsafe extern "C" fn(*mut bindings::inode, *mut bindings::file) -> c_int>,
    proc_read: Option<
        unsafe extern "C" fn(
            *mut bindings::file,
            *mut c_char,
            usize,
            *mut bindings::loff_t,
        ) -> isize,
    >,
    proc_read_iter: Option<unsafe extern "C" fn(*mut c_void, *mut c_void) -> isize>,
    proc_write: Option<
        unsafe extern "C" fn(
            *mut bindings::file,
            *const c_char,
            usize,
            *mut bindings::loff_t,
        ) -> isize,
    >,
    proc_lseek: Option<
        unsafe extern "C" fn(*mut bindings::file, bindings::loff_t, c_int) -> bindings::loff_t,
    >,
    proc_release: Option<unsafe extern "C" fn(*mut bindings::inode, *mut bindings::file) -> c_int>,
    proc_poll: Option<unsafe extern "C" fn(*mut bindings::file, *mut c_void) -> c_uint>,
    proc_ioctl: Option<unsafe extern "C" fn(*mut bindings::file, c_uint, c_ulong) -> c_long>,
    #[cfg(CONFIG_COMPAT)]
    proc_compat_ioctl: Option<unsafe extern "C" fn(*mut bindings::file, c_uint, c_ulong) -> c_long>,
    proc_mmap: Option<unsafe extern "C" fn(*mut bindings::file, *mut c_void) -> c_int>,
    proc_get_unmapped_area: Option<
        unsafe extern "C" fn(*mut bindings::file, c_ulong, c_ulong, c_ulong, c_ulong) -> c_ulong,
    >,
}

extern "C" {
    fn proc_create_data(
        name: *const c_char,
        mode: bindings::umode_t,
        parent: *mut bindings::proc_dir_entry,
        proc_ops: *const ProcOps,
        data: *mut c_void,
    ) -> *mut bindings::proc_dir_entry;
    fn proc_remove(de: *mut bindings::proc_dir_entry);
}

/// Where `show` writes: the open file's `seq_file` buffer.
pub struct SeqWriter<'a> {
    m: NonNull<bindings::seq_file>,
    _p: PhantomData<&'a mut bindings::seq_file>,
}

impl fmt::Write for SeqWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `m` is the `seq_file` passed to the `show` callback, valid
        // for the callback's duration (the writer's lifetime); `s` is valid
        // for `s.len()` bytes.
        let r = unsafe { bindings::seq_write(self.m.as_ptr(), s.as_ptr().cast(), s.len()) };
        // On overflow `seq_read` allocates a bigger buffer and calls `show`
        // again, so stop rendering now.
        if r == 0 {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

/// What a `/proc` file does.
pub trait ProcHandler: Send + Sync + 'static {
    /// Writes the whole text of the file.
    fn show(&self, out: &mut SeqWriter<'_>) -> fmt::Result;
    /// A guess of the text's size, to allocate the buffer once.
    fn size_hint(&self) -> usize;
    /// Handles the bytes of one `write()`; errors become the write's errno.
    fn write(&self, input: &[u8]) -> Result;
}

/// Longest `write()` handed to [`ProcHandler::write`]; longer ones fail with
/// `EINVAL` without being read.
pub const MAX_WRITE: usize = 64;

struct Ops<T>(PhantomData<T>);

impl<T: ProcHandler> Ops<T> {
    const OPS: ProcOps = ProcOps {
        proc_flags: 0,
        proc_open: Some(open::<T>),
        proc_read: Some(bindings::seq_read),
        proc_read_iter: None,
        proc_write: Some(write::<T>),
        proc_lseek: Some(bindings::seq_lseek),
        proc_release: Some(bindings::single_release),
        proc_poll: None,
        proc_ioctl: None,
        #[cfg(CONFIG_COMPAT)]
        proc_compat_ioctl: None,
        proc_mmap: None,
        proc_get_unmapped_area: None,
    };
}

/// `seq_file`'s show callback.
///
/// # Safety
///
/// `m` must be a `seq_file` opened by `open::<T>`, whose `private` is a live `T`.
unsafe extern "C" fn show<T: ProcHandler>(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `seq_read` calls this with the `seq_file` that `single_open_size`
    // set up, whose `private` is the `T` given to `proc_create_data`, alive
    // until `proc_remove` has returned (see `ProcEntry`).
    let handler = unsafe { &*(*m).private.cast::<T>() };
    let mut out = SeqWriter {
        // SAFETY: `m` is not NULL (see above).
        m: unsafe { NonNull::new_unchecked(m) },
        _p: PhantomData,
    };
    // An error means the buffer overflowed; `seq_read` retries with more room.
    let _ = handler.show(&mut out);
    0
}

/// `proc_ops::proc_open`.
///
/// # Safety
///
/// Called by procfs with the inode and file of an entry created by
/// [`ProcEntry::new`] for `T`, whose `i_private` is a live `T`.
unsafe extern "C" fn open<T: ProcHandler>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: For a `/proc` entry, `i_private` is the data pointer given to
    // `proc_create_data`: a `T` alive until `proc_remove` returns, and
    // `proc_remove` waits for this call.
    let data = unsafe { (*inode).i_private };
    // SAFETY: As above.
    let hint = unsafe { &*data.cast::<T>() }.size_hint();
    // SAFETY: `file` is the file being opened; `show::<T>` matches the
    // callback type and reads `data` as a `T`.
    unsafe { bindings::single_open_size(file, Some(show::<T>), data, hint) }
}

/// `proc_ops::proc_write`.
///
/// # Safety
///
/// Called by procfs with a file of an entry created by [`ProcEntry::new`]
/// for `T`, and a user pointer `buf` of `count` bytes.
unsafe extern "C" fn write<T: ProcHandler>(
    file: *mut bindings::file,
    buf: *const c_char,
    count: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    if count == 0 || count > MAX_WRITE {
        return EINVAL.to_errno() as isize;
    }
    let mut bytes = [0u8; MAX_WRITE];
    let mut reader = UserSlice::new(buf as usize, count).reader();
    if let Err(e) = reader.read_slice(&mut bytes[..count]) {
        return e.to_errno() as isize;
    }
    // SAFETY: `file` is an open file of our entry; its inode's `i_private` is
    // our `T`, alive until `proc_remove` returns, which waits for this call.
    let handler = unsafe { &*(*(*file).f_inode).i_private.cast::<T>() };
    match handler.write(&bytes[..count]) {
        // `count <= MAX_WRITE`, so it fits.
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// A `/proc` file, removed when dropped.
///
/// # Invariants
///
/// `entry` was returned by `proc_create_data` with `Ops::<T>::OPS` and a
/// pointer to `*data` as its data, and has not been removed.
pub struct ProcEntry<T: ProcHandler> {
    entry: NonNull<bindings::proc_dir_entry>,
    /// Keeps the data alive while the entry exists.
    _data: Arc<T>,
}

// SAFETY: The handle only calls `proc_remove`, which any thread may call, and
// holds an `Arc<T>` with `T: Send + Sync`.
unsafe impl<T: ProcHandler> Send for ProcEntry<T> {}
// SAFETY: `&ProcEntry` gives access to nothing but `&Arc<T>`.
unsafe impl<T: ProcHandler> Sync for ProcEntry<T> {}

impl<T: ProcHandler> ProcEntry<T> {
    /// Creates `/proc/<name>` with permissions `mode`, served by `data`.
    pub fn new(name: &'static CStr, mode: u16, data: Arc<T>) -> Result<Self> {
        let ptr: *const T = &*data;
        // SAFETY: `name` is NUL-terminated and static; `Ops::<T>::OPS` is a
        // promoted constant, so `'static`; `ptr` stays valid until `Drop`
        // has called `proc_remove`, since we hold `data` until then.
        let entry = unsafe {
            proc_create_data(
                name.as_char_ptr(),
                mode,
                core::ptr::null_mut(),
                &Ops::<T>::OPS,
                ptr.cast_mut().cast(),
            )
        };
        let entry = NonNull::new(entry).ok_or(ENOMEM)?;
        Ok(ProcEntry { entry, _data: data })
    }
}

impl<T: ProcHandler> Drop for ProcEntry<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariants `entry` is live. `proc_remove` waits
        // for running callbacks and closes open files before it returns, so
        // nothing uses `data` afterwards.
        unsafe { proc_remove(self.entry.as_ptr()) };
    }
}
