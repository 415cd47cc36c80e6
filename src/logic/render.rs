// SPDX-License-Identifier: GPL-2.0

//! Rendering of `/proc/elevator`, byte for byte as SPEC.md shows it.

use core::fmt::{Result, Write};

use super::profile::write_half_lbs;
use super::{Building, Rider, Slots};

fn write_rider<W: Write, S: Slots>(w: &mut W, b: &Building<S>, r: &Rider) -> Result {
    let t = &b.profile().types[usize::from(r.kind & 3)];
    write!(w, " {}{}", char::from(t.letter), r.dest)
}

impl<S: Slots> Building<S> {
    /// Writes the whole `/proc/elevator` text. Linear in the riders shown.
    pub fn render<W: Write>(&self, w: &mut W) -> Result {
        let p = self.profile();
        writeln!(w, "Elevator state: {}", self.state().as_str())?;
        writeln!(w, "Current floor: {}", self.floor())?;
        w.write_str("Current load: ")?;
        write_half_lbs(w, self.car().half_lbs())?;
        w.write_str(" lbs\nElevator status:")?;
        for r in self.car().riders() {
            write_rider(w, self, r)?;
        }
        w.write_str("\n\n")?;
        for f in (1..=p.floors).rev() {
            let mark = if f == self.floor() { '*' } else { ' ' };
            let q = self.queue(f);
            write!(w, "[{}] Floor {}: {}", mark, f, q.len())?;
            for r in q.iter() {
                write_rider(w, self, r)?;
            }
            w.write_char('\n')?;
        }
        writeln!(w, "\nNumber of {}: {}", p.noun, self.car().len())?;
        writeln!(w, "Number of {} waiting: {}", p.noun, self.waiting())?;
        writeln!(w, "Number of {} serviced: {}", p.noun, self.serviced())
    }
}
