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
