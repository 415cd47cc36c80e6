// SPDX-License-Identifier: GPL-2.0

//! The simulator (work in progress).

fn main() {}
