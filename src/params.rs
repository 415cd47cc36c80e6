// SPDX-License-Identifier: GPL-2.0

//! The module's declaration (`module!`) and its parameters, on every kernel.
//!
//! [`elevator_module!`] takes the module's metadata and its parameters once
//! and expands to what the target kernel's Rust offers, plus a
//! `param_values` module with one accessor per parameter
//! (`param_values::floor_ms() -> u32`, `param_values::profile() -> &CStr`),
//! so the elevator's code reads them the same way everywhere:
//!
//! - `uint` parameters: on 7.x, `module!`'s own `params` (upstream
//!   `kernel::module_param`, which keeps them out of sysfs); on 6.12, whose
//!   `module!` has no parameters, [`Uint`] entries made here, read-only in
//!   `/sys/module/<module>/parameters/`.
//! - `charp` (string) parameters: upstream has none on either kernel, so
//!   [`Charp`] entries made here, read-only in sysfs.
//!
//! A parameter entry is what C's `module_param()` produces: a `struct
//! kernel_param` (name, owning module, ops, permissions, pointer to the
//! value) in the object's `__param` section and two `.modinfo` strings; the
//! module loader parses `insmod ... name=value` with the ops before `init`
//! runs.

use core::cell::UnsafeCell;
use core::ffi::CStr;
use kernel::bindings;
use kernel::ffi::{c_char, c_void};

/// One entry of the `__param` section.
#[repr(transparent)]
pub struct ParamEntry(pub bindings::kernel_param);

// SAFETY: The entry is immutable; the module loader only reads it, and every
// pointer in it points to `'static` data.
unsafe impl Sync for ParamEntry {}

/// The value of a `uint` parameter (6.12 only; 7.x uses `module!`'s own).
#[cfg(not(elevator_rust_7))]
#[repr(transparent)]
pub struct Uint(UnsafeCell<kernel::ffi::c_uint>);

// SAFETY: The value is written only by the module loader, before `init` runs
// and before any other code of the module can read it (permissions 0444 keep
// sysfs from writing it later).
#[cfg(not(elevator_rust_7))]
unsafe impl Sync for Uint {}

#[cfg(not(elevator_rust_7))]
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
    pub const fn new(default: &'static CStr) -> Self {
        // `crate::cstr::as_char_ptr` is not `const`; the pointer is only
        // handed to C, so the signedness of `char` does not matter.
        #[allow(clippy::disallowed_methods)]
        let p = default.as_ptr();
        Charp(UnsafeCell::new(p.cast_mut().cast()))
    }

    /// Pointer given to the `param_ops_charp` ops.
    pub const fn arg(&self) -> *mut c_void {
        self.0.get().cast()
    }

    /// The value given at `insmod` (or the default).
    pub fn get(&self) -> &CStr {
        // SAFETY: See the `Sync` impl; the pointer is a NUL-terminated string
        // valid until the module is unloaded.
        unsafe { crate::cstr::from_char_ptr(self.0.get().read_volatile()) }
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

/// A `__param` entry and its `.modinfo` strings for a parameter of ours.
#[doc(hidden)]
#[macro_export]
macro_rules! __elevator_param_entry {
    ($name:ident, $ops:ident, $tyname:literal, $desc:tt) => {
        const _: () = {
            #[link_section = "__param"]
            #[used]
            // Only handed to C: the signedness of `char` does not matter, and
            // `crate::cstr::as_char_ptr` is not `const`.
            #[allow(clippy::disallowed_methods)]
            static ENTRY: $crate::params::ParamEntry =
                $crate::params::ParamEntry(kernel::bindings::kernel_param {
                    name: {
                        const N: &core::ffi::CStr = match core::ffi::CStr::from_bytes_with_nul(
                            concat!(stringify!($name), "\0").as_bytes(),
                        ) {
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
                        arg: $name.arg(),
                    },
                });
            const DESC: &str = concat!("parm=", stringify!($name), ":", $desc, "\0");
            #[link_section = ".modinfo"]
            #[used]
            static PARM: [u8; DESC.len()] = $crate::params::to_array(DESC);
            const TYPE: &str = concat!("parmtype=", stringify!($name), ":", $tyname, "\0");
            #[link_section = ".modinfo"]
            #[used]
            static PARMTYPE: [u8; TYPE.len()] = $crate::params::to_array(TYPE);
        };
    };
}

/// The `charp` parameters' storage, entries and accessors (the same on
/// every kernel: upstream has no string parameters).
#[doc(hidden)]
#[macro_export]
macro_rules! __elevator_charp_params {
    ($($cname:ident: $cdefault:tt, $cdesc:tt;)*) => {
        /// The string values, where the module loader writes them.
        mod charp_storage {
            $(
                pub(super) static $cname: $crate::params::Charp =
                    $crate::params::Charp::new($cdefault);
                $crate::__elevator_param_entry!($cname, param_ops_charp, "charp", $cdesc);
            )*
        }
        $(
            #[doc = $cdesc]
            pub(crate) fn $cname() -> &'static core::ffi::CStr {
                charp_storage::$cname.get()
            }
        )*
    };
}

/// Declares the module (`kernel::module!`) with its parameters.
///
/// ```ignore
/// elevator_module! {
///     type: MyModule, name: "my", author: "me", description: "...", license: "GPL",
///     uint_params: { floor_ms: 2000, "Milliseconds per floor"; },
///     charp_params: { profile: c"pets", "Building profile"; },
/// }
/// ```
#[cfg(not(elevator_rust_7))]
#[macro_export]
macro_rules! elevator_module {
    (
        type: $type:ident, name: $name:tt, author: $author:tt,
        description: $description:tt, license: $license:tt,
        uint_params: { $($uname:ident: $udefault:tt, $udesc:tt;)* },
        charp_params: { $($cname:ident: $cdefault:tt, $cdesc:tt;)* } $(,)?
    ) => {
        ::kernel::prelude::module! {
            type: $type,
            name: $name,
            author: $author,
            description: $description,
            license: $license,
        }

        /// The module's parameters, as given at `insmod` (or their defaults).
        #[allow(non_upper_case_globals, dead_code)]
        pub(crate) mod param_values {
            /// The integer values, where the module loader writes them.
            mod uint_storage {
                $(
                    pub(super) static $uname: $crate::params::Uint =
                        $crate::params::Uint::new($udefault);
                    $crate::__elevator_param_entry!($uname, param_ops_uint, "uint", $udesc);
                )*
            }
            $(
                #[doc = $udesc]
                pub(crate) fn $uname() -> u32 {
                    uint_storage::$uname.get()
                }
            )*
            $crate::__elevator_charp_params!($($cname: $cdefault, $cdesc;)*);
        }
    };
}

/// Declares the module (`kernel::module!`) with its parameters (7.x: integer
/// parameters through `module!`'s own `params`).
#[cfg(elevator_rust_7)]
#[macro_export]
macro_rules! elevator_module {
    (
        type: $type:ident, name: $name:tt, author: $author:tt,
        description: $description:tt, license: $license:tt,
        uint_params: { $($uname:ident: $udefault:tt, $udesc:tt;)* },
        charp_params: { $($cname:ident: $cdefault:tt, $cdesc:tt;)* } $(,)?
    ) => {
        ::kernel::prelude::module! {
            type: $type,
            name: $name,
            authors: [$author],
            description: $description,
            license: $license,
            params: {
                $($uname: u32 { default: $udefault, description: $udesc, },)*
            },
        }

        /// The module's parameters, as given at `insmod` (or their defaults).
        #[allow(non_upper_case_globals, dead_code)]
        pub(crate) mod param_values {
            $(
                #[doc = $udesc]
                pub(crate) fn $uname() -> u32 {
                    super::module_parameters::$uname.value()
                }
            )*
            $crate::__elevator_charp_params!($($cname: $cdefault, $cdesc;)*);
        }
    };
}
