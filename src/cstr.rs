// SPDX-License-Identifier: GPL-2.0

//! C strings on every kernel: the module uses `core::ffi::CStr` (and `c"…"`
//! literals) everywhere, and converts to and from the kernel's `char *`
//! here. 7.x has `CStrExt` for that (the kernel's `char` is unsigned there);
//! 6.12 has `core`'s own methods.

use core::ffi::CStr;
use kernel::ffi::c_char;

/// The string's address, as the kernel's `const char *`.
pub fn as_char_ptr(s: &CStr) -> *const c_char {
    #[cfg(elevator_rust_7)]
    {
        kernel::str::CStrExt::as_char_ptr(s)
    }
    #[cfg(not(elevator_rust_7))]
    {
        s.as_ptr().cast()
    }
}

/// The string at `p`.
///
/// # Safety
///
/// `p` points to a NUL-terminated string that stays valid and unchanged for
/// `'a`.
pub unsafe fn from_char_ptr<'a>(p: *const c_char) -> &'a CStr {
    #[cfg(elevator_rust_7)]
    {
        // SAFETY: Per this function's contract.
        unsafe { <CStr as kernel::str::CStrExt>::from_char_ptr(p) }
    }
    #[cfg(not(elevator_rust_7))]
    {
        // SAFETY: Per this function's contract.
        unsafe { CStr::from_ptr(p.cast()) }
    }
}
