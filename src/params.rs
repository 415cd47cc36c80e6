// SPDX-License-Identifier: GPL-2.0

//! Module parameters for 6.12's Rust, whose `module!` has none.
//!
//! C's `module_param()` only places a `struct kernel_param` (name, owning
//! module, ops, permissions, pointer to the value) in the object's `__param`
//! section and two `.modinfo` strings; the module loader parses
//! `insmod ... name=value` with the ops before `init` runs, and exposes the
//! values in `/sys/module/<module>/parameters/`. [`module_param!`] produces the
//! same from Rust, for `uint` and `charp` parameters, read-only in sysfs.

use core::cell::UnsafeCell;
use kernel::bindings;
use kernel::ffi::{c_char, c_uint, c_void};
use kernel::str::CStr;

/// One entry of the `__param` section.
#[repr(transparent)]
pub struct ParamEntry(pub bindings::kernel_param);

// SAFETY: The entry is immutable; the module loader only reads it, and every
// pointer in it points to `'static` data.
unsafe impl Sync for ParamEntry {}

/// The value of a `uint` parameter.
#[repr(transparent)]
pub struct Uint(UnsafeCell<c_uint>);

// SAFETY: The value is written only by the module loader, before `init` runs
// and before any other code of the module can read it (permissions 0444 keep
// sysfs from writing it later).
unsafe impl Sync for Uint {}

impl Uint {
    /// A parameter with this default.
    pub const fn new(default: u32) -> Self {
        Uint(UnsafeCell::new(default))
    }

    /// Pointer given to the `param_ops_uint` ops.
    pub const fn arg(&self) -> *mut c_void {
        self.0.get().cast()
    }

    /// The value given at `insmod` (or the default).
    pub fn get(&self) -> u32 {
        // SAFETY: See the `Sync` impl: no writes happen after `init` starts.
        unsafe { self.0.get().read_volatile() }
    }
}

/// The value of a `charp` parameter: a C string pointer.
#[repr(transparent)]
pub struct Charp(UnsafeCell<*mut c_char>);

// SAFETY: As for `Uint`. The string is the static default or a copy that
// `param_set_charp` allocated, freed by the loader only after `exit`.
unsafe impl Sync for Charp {}

impl Charp {
    /// A parameter with this default.
    pub const fn new(default: &'static core::ffi::CStr) -> Self {
        Charp(UnsafeCell::new(default.as_ptr().cast_mut().cast()))
    }

    /// Pointer given to the `param_ops_charp` ops.
    pub const fn arg(&self) -> *mut c_void {
        self.0.get().cast()
    }

    /// The value given at `insmod` (or the default).
    pub fn get(&self) -> &CStr {
        // SAFETY: See the `Sync` impl; the pointer is a NUL-terminated string
        // valid until the module is unloaded.
        unsafe { CStr::from_char_ptr(self.0.get().read_volatile()) }
    }
}

/// Copies a `&str` into a byte array of exactly its length (for `.modinfo`).
pub const fn to_array<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    let mut a = [0u8; N];
    let mut i = 0;
    while i < N {
        a[i] = b[i];
        i += 1;
    }
    a
}

/// Declares a module parameter.
///
/// `module_param!(FLOOR_MS, "floor_ms", uint, 2000, "Milliseconds per floor");`
/// defines `static FLOOR_MS: params::Uint`; `charp` parameters take a
/// `c"default"` and define a `params::Charp`.
#[macro_export]
macro_rules! module_param {
    ($var:ident, $name:literal, uint, $default:expr, $desc:literal) => {
        $crate::module_param!(@impl $var, $name, Uint, param_ops_uint, "uint", $default, $desc);
    };
    ($var:ident, $name:literal, charp, $default:expr, $desc:literal) => {
        $crate::module_param!(@impl $var, $name, Charp, param_ops_charp, "charp", $default, $desc);
    };
    (@impl $var:ident, $name:literal, $ty:ident, $ops:ident, $tyname:literal, $default:expr, $desc:literal) => {
        static $var: $crate::params::$ty = $crate::params::$ty::new($default);
        const _: () = {
            #[link_section = "__param"]
            #[used]
            static ENTRY: $crate::params::ParamEntry =
                $crate::params::ParamEntry(kernel::bindings::kernel_param {
                    name: {
                        const N: &core::ffi::CStr =
                            match core::ffi::CStr::from_bytes_with_nul(concat!($name, "\0").as_bytes()) {
                                Ok(s) => s,
                                Err(_) => panic!("bad parameter name"),
                            };
                        N.as_ptr().cast()
                    },
                    // The module's own `struct module`, filled in by the loader.
                    mod_: &raw mut kernel::bindings::__this_module,
                    ops: &raw const kernel::bindings::$ops,
                    perm: 0o444,
                    level: -1,
                    flags: 0,
                    __bindgen_anon_1: kernel::bindings::kernel_param__bindgen_ty_1 {
                        arg: $var.arg(),
                    },
                });
            const DESC: &str = concat!("parm=", $name, ":", $desc, "\0");
            #[link_section = ".modinfo"]
            #[used]
            static PARM: [u8; DESC.len()] = $crate::params::to_array(DESC);
            const TYPE: &str = concat!("parmtype=", $name, ":", $tyname, "\0");
            #[link_section = ".modinfo"]
            #[used]
            static PARMTYPE: [u8; TYPE.len()] = $crate::params::to_array(TYPE);
        };
    };
}
