// SPDX-License-Identifier: GPL-2.0

//! SPEC.md's rules, one test each, on the module's own logic.

use elevator_logic::*;

fn building(p: &'static Profile) -> HostBuilding {
    Building::new(p, Timing::COURSE, PolicyKind::Rate)
}

fn render(b: &HostBuilding) -> String {
    let mut s = String::new();
    b.render(&mut s).unwrap();
    s
}

/// Steps until the thread would block, returning the virtual time reached.
fn run_until_wait(b: &mut HostBuilding, mut now: u64, max_steps: usize) -> u64 {
    for _ in 0..max_steps {
        match b.step(now, &mut |_| {}) {
            Step::Sleep(ms) => now += u64::from(ms),
            Step::Wait => return now,
        }
        check_invariants(b);
    }
    panic!("no wait after {max_steps} steps");
}

fn check_invariants(b: &HostBuilding) {
    let p = b.profile();
    let waiting: u64 = (1..=p.floors).map(|f| b.queue(f).len() as u64).sum();
    assert_eq!(waiting, b.waiting());
    assert_eq!(
        b.issued(),
        b.waiting() + b.car().len() as u64 + b.serviced()
    );
    assert!(b.car().len() <= p.max_riders);
    assert!(b.car().half_lbs() <= p.max_half_lbs);
    let w: u32 = b.car().riders().iter().map(|r| b.weight(r)).sum();
    assert_eq!(w, b.car().half_lbs());
    assert!(b.floor() >= 1 && b.floor() <= p.floors);
}

#[test]
fn after_load_offline_floor_1_empty() {
    let b = building(&profile::PETS);
    assert_eq!(b.state(), State::Offline);
    assert_eq!(b.floor(), 1);
    assert_eq!(b.car().half_lbs(), 0);
    assert_eq!(
        render(&b),
        "Elevator state: OFFLINE\nCurrent floor: 1\nCurrent load: 0 lbs\nElevator status:\n\n\
         [ ] Floor 5: 0\n[ ] Floor 4: 0\n[ ] Floor 3: 0\n[ ] Floor 2: 0\n[*] Floor 1: 0\n\n\
         Number of pets: 0\nNumber of pets waiting: 0\nNumber of pets serviced: 0\n"
    );
}

#[test]
fn start_stop_return_codes() {
    let mut b = building(&profile::PETS);
    assert_eq!(b.stop(), Err(NotRunning), "stop while offline");
    assert_eq!(b.start(), Ok(()));
    assert_eq!(b.state(), State::Idle);
    assert_eq!(b.start(), Err(AlreadyActive), "start while active");
    assert_eq!(b.stop(), Ok(()));
    assert_eq!(b.stop(), Err(NotRunning), "stop while deactivating");
    assert_eq!(b.start(), Err(AlreadyActive), "start while deactivating");
    run_until_wait(&mut b, 0, 10);
    assert_eq!(b.state(), State::Offline);
    assert_eq!(b.start(), Ok(()), "restart after offline");
    assert_eq!(b.state(), State::Idle);
}

#[test]
fn request_validation() {
    for p in PROFILES {
        let mut b = building(p);
        let top = i32::from(p.floors);
        assert_eq!(
            b.issue(0, 2, 0, 0),
            Err(IssueError::Invalid(Invalid::StartFloor))
        );
        assert_eq!(
            b.issue(top + 1, 2, 0, 0),
            Err(IssueError::Invalid(Invalid::StartFloor))
        );
        assert_eq!(
            b.issue(1, top + 1, 0, 0),
            Err(IssueError::Invalid(Invalid::DestFloor))
        );
        assert_eq!(
            b.issue(1, -1, 0, 0),
            Err(IssueError::Invalid(Invalid::DestFloor))
        );
        assert_eq!(
            b.issue(2, 2, 0, 0),
            Err(IssueError::Invalid(Invalid::SameFloor))
        );
        assert_eq!(b.issue(1, 2, 4, 0), Err(IssueError::Invalid(Invalid::Type)));
        assert_eq!(
            b.issue(1, 2, -1, 0),
            Err(IssueError::Invalid(Invalid::Type))
        );
        assert_eq!(
            b.issue(i32::MIN, i32::MAX, i32::MIN, 0),
            Err(IssueError::Invalid(Invalid::StartFloor))
        );
        assert_eq!(b.issued(), 0);
        assert_eq!(issue_growing(&mut b, 1, top, 3, 0), Ok(()));
        assert_eq!(b.issued(), 1);
        assert_eq!(b.waiting(), 1);
    }
}

#[test]
fn requests_accepted_offline_and_while_deactivating() {
    let mut b = building(&profile::PETS);
    issue_growing(&mut b, 2, 3, 0, 0).unwrap();
    assert_eq!(b.state(), State::Offline);
    assert_eq!(b.waiting(), 1);
    b.start().unwrap();
    b.stop().unwrap();
    issue_growing(&mut b, 3, 4, 0, 0).unwrap();
    run_until_wait(&mut b, 0, 100);
    // Nobody boards while deactivating: both still wait.
    assert_eq!(b.state(), State::Offline);
    assert_eq!(b.waiting(), 2);
    assert_eq!(b.serviced(), 0);
}

#[test]
fn head_of_line_boarding_within_both_limits() {
    // pets: limit 50 lbs. D16 D16 D16 = 48 fits; then C3 would make 51 > 50:
    // boarding stops there even though a P14 behind... stops at the first misfit.
    let mut b = building(&profile::PETS);
    for kind in [3, 3, 3, 0, 0] {
        issue_growing(&mut b, 1, 2, kind, 0).unwrap();
    }
    b.start().unwrap();
    let mut events = Vec::new();
    assert_eq!(b.step(0, &mut |e| events.push(e)), Step::Sleep(1000));
    assert_eq!(b.state(), State::Loading);
    assert_eq!(b.car().len(), 3);
    assert_eq!(b.car().half_lbs(), 96);
    assert_eq!(b.queue(1).len(), 2);
    assert!(render(&b).contains("Current load: 48 lbs\nElevator status: D2 D2 D2\n"));
    // Equal to the limit is allowed (<=): 16+16+3+3+3... use count limit: 5 chihuahuas + 1.
    let mut b = building(&profile::PETS);
    for _ in 0..6 {
        issue_growing(&mut b, 1, 2, 0, 0).unwrap();
    }
    b.start().unwrap();
    b.step(0, &mut |_| {});
    assert_eq!(b.car().len(), 5, "count limit");
    assert_eq!(b.queue(1).len(), 1);
}

#[test]
fn weight_exactly_at_limit_boards() {
    // office: limit 7 lbs; boss 2 + boss 2 + lawyer 1.5 + lawyer 1.5 = 7.0 exactly.
    let mut b = building(&profile::OFFICE);
    for kind in [2, 2, 1, 1, 3] {
        issue_growing(&mut b, 1, 3, kind, 0).unwrap();
    }
    b.start().unwrap();
    b.step(0, &mut |_| {});
    assert_eq!(b.car().len(), 4);
    assert_eq!(b.car().half_lbs(), 14);
    assert!(render(&b).contains("Current load: 7 lbs\n"));
}

#[test]
fn half_pound_load_printed() {
    let mut b = building(&profile::OFFICE);
    for kind in [1, 3, 1] {
        issue_growing(&mut b, 1, 3, kind, 0).unwrap();
    }
    b.start().unwrap();
    b.step(0, &mut |_| {});
    assert!(
        render(&b).contains("Current load: 3.5 lbs\nElevator status: L3 V3 L3\n"),
        "{}",
        render(&b)
    );
}

#[test]
fn unload_before_load_and_only_at_destination() {
    // Fill the car with five for floor 3, queue five more on floor 3.
    let mut b = building(&profile::PETS);
    for _ in 0..5 {
        issue_growing(&mut b, 1, 3, 0, 0).unwrap();
    }
    for _ in 0..5 {
        issue_growing(&mut b, 3, 1, 0, 0).unwrap();
    }
    b.start().unwrap();
    let mut log = Vec::new();
    let mut now = 0;
    while b.serviced() < 5 {
        match b.step(now, &mut |e| log.push((e, 0))) {
            Step::Sleep(ms) => now += u64::from(ms),
            Step::Wait => panic!("waited with work"),
        }
        check_invariants(&b);
    }
    // At floor 3, the five got off before the five boarded (car limit 5).
    assert_eq!(b.floor(), 3);
    assert_eq!(b.car().len(), 5);
    assert!(b.car().riders().iter().all(|r| r.dest == 1));
    let first_board_at_3 = log
        .iter()
        .position(|(e, _)| matches!(e, Event::Boarded { rider, .. } if rider.start == 3))
        .unwrap();
    let delivered = log
        .iter()
        .filter(|(e, _)| matches!(e, Event::Delivered { .. }))
        .count();
    assert_eq!(delivered, 5);
    let last_delivery = log
        .iter()
        .rposition(|(e, _)| matches!(e, Event::Delivered { .. }))
        .unwrap();
    assert!(last_delivery < first_board_at_3);
    for (e, _) in &log {
        if let Event::Delivered { rider, .. } = e {
            assert_eq!(rider.dest, 3);
        }
    }
}

#[test]
fn stop_delivers_everyone_aboard_then_offline() {
    let mut b = building(&profile::DORM);
    for (s, d) in [(1, 6), (1, 4), (1, 2)] {
        issue_growing(&mut b, s, d, 0, 0).unwrap();
    }
    b.start().unwrap();
    b.step(0, &mut |_| {});
    assert_eq!(b.car().len(), 3);
    issue_growing(&mut b, 5, 1, 0, 0).unwrap();
    b.stop().unwrap();
    let mut now = 1000;
    loop {
        let st = b.step(now, &mut |_| {});
        check_invariants(&b);
        if b.is_deactivating() || b.is_active() {
            assert_ne!(b.state(), State::Offline);
        }
        match st {
            Step::Sleep(ms) => now += u64::from(ms),
            Step::Wait => break,
        }
    }
    assert_eq!(b.state(), State::Offline);
    assert_eq!(b.serviced(), 3);
    assert_eq!(b.waiting(), 1, "the floor-5 rider was not picked up");
    assert!(!b.is_deactivating());
}

#[test]
fn moves_take_floor_ms_and_stops_load_ms() {
    let mut b: HostBuilding = Building::new(
        &profile::PETS,
        Timing::new(100, 50).unwrap(),
        PolicyKind::Rate,
    );
    issue_growing(&mut b, 3, 1, 0, 0).unwrap();
    b.start().unwrap();
    assert_eq!(b.step(0, &mut |_| {}), Step::Sleep(100));
    assert_eq!(b.state(), State::Up);
    assert_eq!(b.floor(), 1, "the floor changes when the move ends");
    assert_eq!(b.step(100, &mut |_| {}), Step::Sleep(100));
    assert_eq!(b.floor(), 2);
    assert_eq!(b.step(200, &mut |_| {}), Step::Sleep(50));
    assert_eq!((b.floor(), b.state()), (3, State::Loading));
    assert!(Timing::new(0, 1).is_none() && Timing::new(1, 0).is_none());
    assert!(Timing::new(60_001, 1).is_none());
}

#[test]
fn idle_when_nothing_to_do() {
    let mut b = building(&profile::PETS);
    b.start().unwrap();
    assert_eq!(b.step(0, &mut |_| {}), Step::Wait);
    assert_eq!(b.state(), State::Idle);
}

#[test]
fn queue_grows_and_keeps_fifo_order() {
    let mut b = building(&profile::PETS);
    for i in 0..1000 {
        issue_growing(&mut b, 2, 1 + (i % 4 != 0) as i32 * 2, i % 4, i as u64).unwrap();
    }
    let arrivals: Vec<u64> = b.queue(2).iter().map(|r| r.arrival_ms).collect();
    assert_eq!(arrivals, (0..1000).collect::<Vec<_>>());
    assert!(b.queue(2).capacity() >= 1000 && b.queue(2).capacity() <= 2048);
}

#[test]
fn thousands_waiting_printed_whole() {
    let mut b = building(&profile::PETS);
    for _ in 0..5000 {
        issue_growing(&mut b, 4, 2, 1, 0).unwrap();
    }
    let s = render(&b);
    let line = s.lines().find(|l| l.starts_with("[ ] Floor 4:")).unwrap();
    assert_eq!(line.len(), "[ ] Floor 4: 5000".len() + 5000 * 3);
    assert!(s.ends_with("Number of pets waiting: 5000\nNumber of pets serviced: 0\n"));
}

#[test]
fn golden_spec_example_layout() {
    // Rebuild SPEC.md's example: car at 4 LOADING with C5 D2 P3 H1 (43 lbs),
    // floor 5: H3; floor 3: P5 C1; floor 2: D4; 27 serviced.
    let mut b: HostBuilding = Building::new(&profile::PETS, Timing::COURSE, PolicyKind::Fifo);
    // 27 riders from 1 to 2 first, delivered.
    for _ in 0..27 {
        issue_growing(&mut b, 1, 2, 0, 0).unwrap();
    }
    b.start().unwrap();
    let mut now = 0;
    while b.serviced() < 27 {
        if let Step::Sleep(ms) = b.step(now, &mut |_| {}) {
            now += u64::from(ms);
        }
    }
    assert_eq!(run_until_wait(&mut b, now, 10), now);
    assert_eq!(b.state(), State::Idle);
    // The four riders board at floor 4 in this order.
    for (d, k) in [(5, 0), (2, 3), (3, 1), (1, 2)] {
        issue_growing(&mut b, 4, d, k, now).unwrap();
    }
    while b.floor() != 4 || b.state() != State::Loading {
        if let Step::Sleep(ms) = b.step(now, &mut |_| {}) {
            now += u64::from(ms);
        }
    }
    for (s, d, k) in [(5, 3, 2), (3, 5, 1), (3, 1, 0), (2, 4, 3)] {
        issue_growing(&mut b, s, d, k, now).unwrap();
    }
    assert_eq!(
        render(&b),
        "Elevator state: LOADING\nCurrent floor: 4\nCurrent load: 43 lbs\nElevator status: C5 D2 P3 H1\n\n\
         [ ] Floor 5: 1 H3\n[*] Floor 4: 0\n[ ] Floor 3: 2 P5 C1\n[ ] Floor 2: 1 D4\n[ ] Floor 1: 0\n\n\
         Number of pets: 4\nNumber of pets waiting: 4\nNumber of pets serviced: 27\n"
    );
}

#[test]
fn dorm_golden() {
    let mut b = building(&profile::DORM);
    issue_growing(&mut b, 6, 1, 3, 0).unwrap();
    issue_growing(&mut b, 1, 6, 1, 0).unwrap();
    b.start().unwrap();
    b.step(0, &mut |_| {});
    assert_eq!(
        render(&b),
        "Elevator state: LOADING\nCurrent floor: 1\nCurrent load: 150 lbs\nElevator status: O6\n\n\
         [ ] Floor 6: 1 S1\n[ ] Floor 5: 0\n[ ] Floor 4: 0\n[ ] Floor 3: 0\n[ ] Floor 2: 0\n[*] Floor 1: 0\n\n\
         Number of passengers: 1\nNumber of passengers waiting: 1\nNumber of passengers serviced: 0\n"
    );
}

#[test]
fn every_policy_drains_everything() {
    for p in PROFILES {
        for pol in PolicyKind::ALL {
            let mut b: HostBuilding = Building::new(p, Timing::COURSE, pol);
            let mut x: u32 = 12345;
            for _ in 0..300 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let s = (x >> 8) % u32::from(p.floors) + 1;
                let d = (x >> 16) % u32::from(p.floors) + 1;
                let _ = issue_growing(&mut b, s as i32, d as i32, ((x >> 24) % 4) as i32, 0);
            }
            let n = b.issued();
            b.start().unwrap();
            run_until_wait(&mut b, 0, 100_000);
            assert_eq!(b.serviced(), n, "{} {}", p.name, pol.name());
            assert_eq!(b.state(), State::Idle);
        }
    }
}

// ---------------------------------------------------------------------------
// Deterministic cases for rules that only the random tests pinned before
// (issue 10, items 4, 5 and 6). Every expected weight and line below comes
// from SPEC.md's profile table, never from the code under test.

/// Steps once, checks the invariants, and returns the events of the step.
fn step_once(b: &mut HostBuilding, now: &mut u64) -> (Step, Vec<Event>) {
    let mut events = Vec::new();
    let st = b.step(*now, &mut |e| events.push(e));
    check_invariants(b);
    if let Step::Sleep(ms) = st {
        *now += u64::from(ms);
    }
    (st, events)
}

/// Steps until `done` holds after a step (or panics after `max_steps`).
fn step_until(
    b: &mut HostBuilding,
    now: &mut u64,
    max_steps: usize,
    done: impl Fn(&HostBuilding) -> bool,
) {
    for _ in 0..max_steps {
        let (st, _) = step_once(b, now);
        if done(b) {
            return;
        }
        assert_ne!(
            st,
            Step::Wait,
            "waited before the expected state:\n{}",
            render(b)
        );
    }
    panic!("not reached after {max_steps} steps:\n{}", render(b));
}

/// The rendered `[*]`/`[ ]` line of `floor`.
fn floor_line(b: &HostBuilding, floor: u8) -> String {
    let s = render(b);
    let tail = format!(" Floor {floor}: ");
    s.lines()
        .find(|l| l.starts_with('[') && l.get(3..).is_some_and(|t| t.starts_with(&tail)))
        .unwrap_or_else(|| panic!("no line for floor {floor} in\n{s}"))
        .to_string()
}

/// The riders of `floor`'s queue as `(kind, dest)`, in queue order.
fn line_of(b: &HostBuilding, floor: u8) -> Vec<(u8, u8)> {
    b.queue(floor).iter().map(|r| (r.kind, r.dest)).collect()
}

/// Issues `kinds` in order on floor `start`, all for `dest`, then starts the
/// elevator and makes its first step, which must be a stop at floor 1.
fn board_at_floor_1(p: &'static Profile, dest: i32, kinds: &[i32]) -> HostBuilding {
    let mut b = building(p);
    for &k in kinds {
        issue_growing(&mut b, 1, dest, k, 0).unwrap();
    }
    b.start().unwrap();
    let mut now = 0;
    let (st, _) = step_once(&mut b, &mut now);
    assert_eq!(st, Step::Sleep(1000));
    assert_eq!((b.state(), b.floor()), (State::Loading, 1));
    b
}

#[test]
fn boarding_stops_at_first_misfit_though_a_later_rider_fits() {
    // (profile, kinds queued on floor 1 for floor 2, expected load and status
    // lines, expected floor-1 line). In each, the head that does not fit is
    // followed by a rider who would fit, by weight and by count, and must wait.
    let cases: [(&Profile, &[i32], &str, &str); 3] = [
        // pets, 50 lbs: Pug 14 x3 = 42; Dachshund 16 -> 58 does not fit;
        // Chihuahua 3 -> 45 would fit.
        (
            &profile::PETS,
            &[1, 1, 1, 3, 0],
            "Current load: 42 lbs\nElevator status: P2 P2 P2\n",
            "[*] Floor 1: 2 D2 C2",
        ),
        // dorm, 750 lbs: junior 200 x3 = 600; senior 250 -> 850 does not fit;
        // freshman 100 -> 700 would fit.
        (
            &profile::DORM,
            &[2, 2, 2, 3, 0],
            "Current load: 600 lbs\nElevator status: J2 J2 J2\n",
            "[*] Floor 1: 2 S2 F2",
        ),
        // office, 7 lbs: boss 2 x3 = 6; lawyer 1.5 -> 7.5 does not fit;
        // part-timer 1 -> 7 (exactly the limit) and visitor 0.5 would fit.
        (
            &profile::OFFICE,
            &[2, 2, 2, 1, 0, 3],
            "Current load: 6 lbs\nElevator status: B2 B2 B2\n",
            "[*] Floor 1: 3 L2 P2 V2",
        ),
    ];
    for (p, kinds, car, line) in cases {
        let b = board_at_floor_1(p, 2, kinds);
        let s = render(&b);
        assert!(s.contains(car), "{}: want {car:?} in\n{s}", p.name);
        assert_eq!(floor_line(&b, 1), line, "{}", p.name);
        assert_eq!(b.car().len(), 3, "{}", p.name);
        assert_eq!(b.waiting(), kinds.len() as u64 - 3, "{}", p.name);
    }
}

#[test]
fn misfit_head_boards_first_on_the_next_visit() {
    // pets: P P P board (42 lbs), D waits at the head with C behind it. After
    // the three are delivered on floor 2, the car comes back: D boards first,
    // then C, in queue order.
    let mut b = board_at_floor_1(&profile::PETS, 2, &[1, 1, 1, 3, 0]);
    let mut now = 1000;
    step_until(&mut b, &mut now, 20, |b| b.serviced() == 3);
    assert_eq!(b.floor(), 2);
    assert_eq!(floor_line(&b, 1), "[ ] Floor 1: 2 D2 C2");
    step_until(&mut b, &mut now, 20, |b| b.queue(1).is_empty());
    assert_eq!((b.state(), b.floor()), (State::Loading, 1));
    let s = render(&b);
    assert!(
        s.contains("Current load: 19 lbs\nElevator status: D2 C2\n"),
        "{s}"
    );
    assert_eq!(floor_line(&b, 1), "[*] Floor 1: 0");
}

#[test]
fn count_limit_in_every_profile() {
    // Six of the lightest type: five board (within the weight limit in every
    // profile), the sixth waits, however light.
    let cases: [(&Profile, i32, &str, &str); 3] = [
        (
            &profile::PETS,
            0,
            "Current load: 15 lbs\nElevator status: C3 C3 C3 C3 C3\n",
            "[*] Floor 1: 1 C3",
        ),
        (
            &profile::DORM,
            0,
            "Current load: 500 lbs\nElevator status: F3 F3 F3 F3 F3\n",
            "[*] Floor 1: 1 F3",
        ),
        (
            &profile::OFFICE,
            3,
            "Current load: 2.5 lbs\nElevator status: V3 V3 V3 V3 V3\n",
            "[*] Floor 1: 1 V3",
        ),
    ];
    for (p, kind, car, line) in cases {
        let b = board_at_floor_1(p, 3, &[kind; 6]);
        let s = render(&b);
        assert!(s.contains(car), "{}: want {car:?} in\n{s}", p.name);
        assert_eq!(floor_line(&b, 1), line, "{}", p.name);
    }
}

#[test]
fn weight_exactly_at_limit_boards_in_every_profile() {
    // The car fills to exactly the limit (`<=`), the next rider (the lightest
    // type) waits.
    let cases: [(&Profile, &[i32], &str, &str); 3] = [
        // pets: D 16 + P 14 + H 10 + H 10 = 50; then C 3 -> 53.
        (
            &profile::PETS,
            &[3, 1, 2, 2, 0],
            "Current load: 50 lbs\nElevator status: D2 P2 H2 H2\n",
            "[*] Floor 1: 1 C2",
        ),
        // dorm: S 250 x3 = 750; then F 100 -> 850.
        (
            &profile::DORM,
            &[3, 3, 3, 0],
            "Current load: 750 lbs\nElevator status: S2 S2 S2\n",
            "[*] Floor 1: 1 F2",
        ),
        // office: B 2 + L 1.5 + B 2 + L 1.5 = 7; then V 0.5 -> 7.5.
        (
            &profile::OFFICE,
            &[2, 1, 2, 1, 3],
            "Current load: 7 lbs\nElevator status: B2 L2 B2 L2\n",
            "[*] Floor 1: 1 V2",
        ),
    ];
    for (p, kinds, car, line) in cases {
        let b = board_at_floor_1(p, 2, kinds);
        let s = render(&b);
        assert!(s.contains(car), "{}: want {car:?} in\n{s}", p.name);
        assert_eq!(floor_line(&b, 1), line, "{}", p.name);
    }
}

#[test]
fn every_rider_type_weighs_what_spec_says() {
    // One rider of each type aboard alone, then all four together; the
    // weights are SPEC.md's table, written out here.
    /// Letter and weight of types 0..=3, in the profile's table order.
    type Types = [(&'static str, &'static str); 4];
    let cases: [(&Profile, Types, &str); 3] = [
        (
            &profile::PETS,
            [("C", "3"), ("P", "14"), ("H", "10"), ("D", "16")],
            "43",
        ),
        (
            &profile::DORM,
            [("F", "100"), ("O", "150"), ("J", "200"), ("S", "250")],
            "700",
        ),
        (
            &profile::OFFICE,
            [("P", "1"), ("L", "1.5"), ("B", "2"), ("V", "0.5")],
            "5",
        ),
    ];
    for (p, types, total) in cases {
        for (kind, (letter, lbs)) in types.iter().enumerate() {
            let b = board_at_floor_1(p, 4, &[kind as i32]);
            let want = format!("Current load: {lbs} lbs\nElevator status: {letter}4\n");
            let s = render(&b);
            assert!(
                s.contains(&want),
                "{} type {kind}: want {want:?} in\n{s}",
                p.name
            );
        }
        let b = board_at_floor_1(p, 4, &[0, 1, 2, 3]);
        let letters: Vec<String> = types.iter().map(|(l, _)| format!("{l}4")).collect();
        let want = format!(
            "Current load: {total} lbs\nElevator status: {}\n",
            letters.join(" ")
        );
        let s = render(&b);
        assert!(s.contains(&want), "{}: want {want:?} in\n{s}", p.name);
    }
}

#[test]
fn boarding_after_a_stop_is_in_queue_order() {
    // pets: a Chihuahua rides 1 -> 3; four wait on floor 3 in this order:
    // H5 D1 P4 C2 (10 + 16 + 14 + 3 = 43 lbs, all fit with nobody else
    // aboard). At the floor-3 stop the Chihuahua gets off, then the four
    // board in queue order.
    let mut b = building(&profile::PETS);
    issue_growing(&mut b, 1, 3, 0, 0).unwrap();
    for (d, k) in [(5, 2), (1, 3), (4, 1), (2, 0)] {
        issue_growing(&mut b, 3, d, k, 0).unwrap();
    }
    assert_eq!(floor_line(&b, 3), "[ ] Floor 3: 4 H5 D1 P4 C2");
    b.start().unwrap();
    let mut now = 0;
    step_until(&mut b, &mut now, 20, |b| b.serviced() == 1);
    assert_eq!((b.state(), b.floor()), (State::Loading, 3));
    let s = render(&b);
    assert!(
        s.contains("Current floor: 3\nCurrent load: 43 lbs\nElevator status: H5 D1 P4 C2\n"),
        "{s}"
    );
    assert_eq!(floor_line(&b, 3), "[*] Floor 3: 0");
    run_until_wait(&mut b, now, 100);
    assert_eq!(b.serviced(), 5);
}

#[test]
fn no_boarding_while_deactivating_at_a_stop_where_someone_gets_off() {
    // pets: a Chihuahua rides 1 -> 3. H4 and D1 wait on floor 3 (they fit),
    // P5 on floor 2. The stop comes while the Chihuahua is aboard: the car
    // stops on floor 3 to let it off, nobody boards, and the elevator goes
    // OFFLINE there with the three still waiting.
    let mut b = building(&profile::PETS);
    issue_growing(&mut b, 1, 3, 0, 0).unwrap();
    issue_growing(&mut b, 3, 4, 2, 0).unwrap();
    issue_growing(&mut b, 3, 1, 3, 0).unwrap();
    issue_growing(&mut b, 2, 5, 1, 0).unwrap();
    b.start().unwrap();
    let mut now = 0;
    let (_, ev) = step_once(&mut b, &mut now);
    assert_eq!(ev.len(), 1);
    assert!(render(&b).contains("Current load: 3 lbs\nElevator status: C3\n"));
    b.stop().unwrap();
    let mut stops = Vec::new();
    loop {
        let (st, ev) = step_once(&mut b, &mut now);
        assert!(
            ev.iter().all(|e| matches!(e, Event::Delivered { .. })),
            "boarded while deactivating: {ev:?}"
        );
        assert_eq!(line_of(&b, 3), [(2, 4), (3, 1)]);
        assert_eq!(line_of(&b, 2), [(1, 5)]);
        if b.state() == State::Loading {
            stops.push(b.floor());
            assert_eq!(
                render(&b),
                "Elevator state: LOADING\nCurrent floor: 3\nCurrent load: 0 lbs\nElevator status:\n\n\
                 [ ] Floor 5: 0\n[ ] Floor 4: 0\n[*] Floor 3: 2 H4 D1\n[ ] Floor 2: 1 P5\n[ ] Floor 1: 0\n\n\
                 Number of pets: 0\nNumber of pets waiting: 3\nNumber of pets serviced: 1\n"
            );
        }
        if st == Step::Wait {
            break;
        }
    }
    assert_eq!(stops, [3], "one stop, on floor 3");
    assert_eq!(
        render(&b),
        "Elevator state: OFFLINE\nCurrent floor: 3\nCurrent load: 0 lbs\nElevator status:\n\n\
         [ ] Floor 5: 0\n[ ] Floor 4: 0\n[*] Floor 3: 2 H4 D1\n[ ] Floor 2: 1 P5\n[ ] Floor 1: 0\n\n\
         Number of pets: 0\nNumber of pets waiting: 3\nNumber of pets serviced: 1\n"
    );
    assert_eq!((b.issued(), b.waiting(), b.serviced()), (4, 3, 1));
    // Started again (rule 7): IDLE on floor 1, empty, and the three are served.
    b.start().unwrap();
    assert!(
        render(&b).starts_with(
            "Elevator state: IDLE\nCurrent floor: 1\nCurrent load: 0 lbs\nElevator status:\n\n"
        ),
        "{}",
        render(&b)
    );
    assert_eq!(floor_line(&b, 1), "[*] Floor 1: 0");
    run_until_wait(&mut b, now, 200);
    assert_eq!((b.waiting(), b.serviced()), (0, 4));
}

#[test]
fn no_boarding_while_deactivating_across_two_drop_off_stops() {
    // dorm: F3 and S5 board on floor 1 (350 lbs). J4 and O1 wait on floor 3,
    // F2 on floor 5, S6 on floor 2: everyone would fit. Stop is issued with
    // both aboard: the car lets F off on 3 and S off on 5, boards nobody, and
    // goes OFFLINE with the four still waiting in their lines.
    let mut b = building(&profile::DORM);
    issue_growing(&mut b, 1, 3, 0, 0).unwrap();
    issue_growing(&mut b, 1, 5, 3, 0).unwrap();
    issue_growing(&mut b, 3, 4, 2, 0).unwrap();
    issue_growing(&mut b, 3, 1, 1, 0).unwrap();
    issue_growing(&mut b, 5, 2, 0, 0).unwrap();
    issue_growing(&mut b, 2, 6, 3, 0).unwrap();
    b.start().unwrap();
    let mut now = 0;
    step_once(&mut b, &mut now);
    assert!(render(&b).contains("Current load: 350 lbs\nElevator status: F3 S5\n"));
    b.stop().unwrap();
    let lines = [
        (6, "0"),
        (5, "1 F2"),
        (4, "0"),
        (3, "2 J4 O1"),
        (2, "1 S6"),
        (1, "0"),
    ];
    let mut stops = Vec::new();
    loop {
        let (st, ev) = step_once(&mut b, &mut now);
        assert!(
            ev.iter().all(|e| matches!(e, Event::Delivered { .. })),
            "boarded while deactivating: {ev:?}"
        );
        for (f, rest) in lines {
            let mark = if f == b.floor() { '*' } else { ' ' };
            assert_eq!(floor_line(&b, f), format!("[{mark}] Floor {f}: {rest}"));
        }
        assert_eq!(b.waiting(), 4);
        if b.state() == State::Loading {
            stops.push(b.floor());
        }
        if st == Step::Wait {
            break;
        }
    }
    stops.sort_unstable();
    assert_eq!(stops, [3, 5], "one stop for each drop-off");
    assert_eq!(b.state(), State::Offline);
    assert!(render(&b).contains("Current load: 0 lbs\nElevator status:\n\n"));
    assert_eq!((b.issued(), b.waiting(), b.serviced()), (6, 4, 2));
}
