// SPDX-License-Identifier: GPL-2.0
//! The parser against text rendered by the module's own renderer
//! (`src/logic/render.rs`), for every profile and state reached by a run.

use elevator_logic::{issue_growing, Building, HostBuilding, PolicyKind, Step, Timing, PROFILES};

#[test]
fn parses_every_frame_of_a_run_on_every_profile() {
    for p in PROFILES {
        let mut b: HostBuilding = Building::new(p, Timing::COURSE, PolicyKind::Rate);
        let mut x: u32 = 7;
        for _ in 0..40 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let s = (x >> 8) % u32::from(p.floors) + 1;
            let d = (x >> 16) % u32::from(p.floors) + 1;
            let _ = issue_growing(&mut b, s as i32, d as i32, ((x >> 24) % 4) as i32, 0);
        }
        b.start().unwrap();
        let mut now = 0;
        let mut frames = 0;
        loop {
            let mut text = String::new();
            b.render(&mut text).unwrap();
            let snap = elevator_proc::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            snap.validate().unwrap_or_else(|e| panic!("{e:?}\n{text}"));
            assert_eq!(snap.state.as_str(), b.state().as_str());
            assert_eq!(snap.current_floor, u32::from(b.floor()));
            assert_eq!(u64::from(snap.load_x10), u64::from(b.car().half_lbs()) * 5);
            assert_eq!(snap.number_waiting, b.waiting());
            assert_eq!(snap.number_serviced, b.serviced());
            assert_eq!(snap.to_string(), text, "Display is the module's format");
            let prof = elevator_proc::Profile::infer(&snap).expect("profile inferred");
            assert_eq!(prof.name, p.name);
            frames += 1;
            match b.step(now, &mut |_| {}) {
                Step::Sleep(ms) => now += u64::from(ms),
                Step::Wait => break,
            }
        }
        assert!(frames > 20, "{}: only {frames} frames", p.name);
    }
}
