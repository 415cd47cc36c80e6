// SPDX-License-Identifier: GPL-2.0
//! Golden tests of the `/proc/elevator` parser: the example of SPEC.md, a dorm, an
//! office with a half-pound load, an empty building, a floor with thousands of
//! waiting riders, and broken texts whose errors must name the right line.

use elevator_proc::profile::{ProfileProblem, DORM, OFFICE, PETS};
use elevator_proc::{parse, Floor, Problem, Profile, Rider, Snapshot, State};

const SPEC: &str = include_str!("data/spec-pets.txt");
const DORM_TXT: &str = include_str!("data/dorm.txt");
const OFFICE_TXT: &str = include_str!("data/office-half.txt");
const OFFLINE_TXT: &str = include_str!("data/offline-empty.txt");

fn r(kind: char, dest: u32) -> Rider {
    Rider { kind, dest }
}

fn fl(number: u32, is_current: bool, riders: &[Rider]) -> Floor {
    Floor {
        number,
        is_current,
        waiting: riders.len() as u32,
        riders: riders.to_vec(),
    }
}

#[test]
fn spec_example_parses_exactly() {
    let s = parse(SPEC).unwrap();
    let want = Snapshot {
        state: State::Loading,
        current_floor: 4,
        load_x10: 430,
        aboard: vec![r('C', 5), r('D', 2), r('P', 3), r('H', 1)],
        floors: vec![
            fl(5, false, &[r('H', 3)]),
            fl(4, true, &[]),
            fl(3, false, &[r('P', 5), r('C', 1)]),
            fl(2, false, &[r('D', 4)]),
            fl(1, false, &[]),
        ],
        noun: "pets".into(),
        number_aboard: 4,
        number_waiting: 4,
        number_serviced: 27,
    };
    assert_eq!(s, want);
    assert_eq!(s.load_display(), "43");
    assert_eq!(s.to_string(), SPEC, "canonical rendering is byte for byte");
    assert_eq!(s.validate(), Ok(()));
    assert_eq!(s.total_waiting(), 4);
    assert_eq!(s.total_listed_waiting(), 4);
    assert_eq!(s.aboard_count(), 4);
    assert_eq!(s.in_building(), 8);
    assert_eq!(s.issued(), 35);
    assert_eq!(s.floor_range(), Some((1, 5)));
    assert_eq!(s.marked_floor().map(|f| f.number), Some(4));
    assert_eq!(s.floor(3).unwrap().riders, [r('P', 5), r('C', 1)]);
    assert_eq!(Profile::infer(&s), Some(&PETS));
    assert!(PETS.problems(&s).is_empty(), "{:?}", PETS.problems(&s));
}

#[test]
fn dorm_example() {
    let s = parse(DORM_TXT).unwrap();
    assert_eq!(s.state, State::Up);
    assert_eq!(s.current_floor, 2);
    assert_eq!(s.load_x10, 5500);
    assert_eq!(s.load_display(), "550");
    assert_eq!(s.noun, "passengers");
    assert_eq!(s.floors.len(), 6);
    assert_eq!(s.floors[0].number, 6);
    assert_eq!(
        s.floor(1).unwrap().riders,
        [r('J', 6), r('J', 3), r('F', 2)]
    );
    assert_eq!(
        (s.number_aboard, s.number_waiting, s.number_serviced),
        (3, 6, 112)
    );
    assert_eq!(s.to_string(), DORM_TXT);
    assert_eq!(s.validate(), Ok(()));
    assert_eq!(Profile::infer(&s), Some(&DORM));
    assert!(DORM.problems(&s).is_empty(), "{:?}", DORM.problems(&s));
}

#[test]
fn office_example_with_half_pound() {
    let s = parse(OFFICE_TXT).unwrap();
    assert_eq!(s.state, State::Down);
    assert_eq!(s.load_x10, 45);
    assert_eq!(s.load_display(), "4.5");
    assert_eq!(s.aboard, [r('L', 1), r('B', 2), r('P', 1)]);
    assert_eq!(s.to_string(), OFFICE_TXT);
    assert_eq!(s.validate(), Ok(()));
    assert_eq!(Profile::infer(&s), Some(&OFFICE));
    assert_eq!(OFFICE.weight_x10(&s.aboard), Some(45));
    assert!(OFFICE.problems(&s).is_empty(), "{:?}", OFFICE.problems(&s));
    // The same text does not fit the other profiles.
    assert!(!PETS.problems(&s).is_empty());
    assert!(!DORM.problems(&s).is_empty());
}

#[test]
fn empty_building_and_both_status_forms() {
    let s = parse(OFFLINE_TXT).unwrap();
    assert_eq!(s.state, State::Offline);
    assert!(s.aboard.is_empty());
    assert_eq!(s.load_x10, 0);
    assert_eq!(s.to_string(), OFFLINE_TXT);
    assert_eq!(s.validate(), Ok(()));
    assert_eq!(Profile::infer(&s), Some(&PETS));

    let spaced = OFFLINE_TXT.replace("Elevator status:\n", "Elevator status: \n");
    assert_ne!(spaced, OFFLINE_TXT);
    assert_eq!(parse(&spaced).unwrap(), s);

    // An empty office (no letters to tell) is told from pets by the noun and from the
    // dorm by its floor count.
    let office = OFFLINE_TXT.replace("pets", "passengers");
    assert_eq!(Profile::infer(&parse(&office).unwrap()), Some(&OFFICE));
}

#[test]
fn tolerates_crlf_and_extra_blank_lines() {
    let crlf = SPEC.replace('\n', "\r\n");
    assert_eq!(parse(&crlf).unwrap(), parse(SPEC).unwrap());
    let blanks = format!("\n{}\n\n", SPEC.replace("\n\n", "\n\n\n"));
    assert_eq!(parse(&blanks).unwrap(), parse(SPEC).unwrap());
    let no_blanks = SPEC.replace("\n\n", "\n");
    assert_eq!(parse(&no_blanks).unwrap(), parse(SPEC).unwrap());
}

#[test]
fn thousands_waiting_on_one_floor() {
    let n = 5000usize;
    let kinds = ['C', 'P', 'H', 'D'];
    let riders: Vec<String> = (0..n)
        .map(|i| format!("{}{}", kinds[i % 4], if i % 2 == 0 { 1 } else { 5 }))
        .collect();
    let text = SPEC
        .replace(
            "[ ] Floor 3: 2 P5 C1",
            &format!("[ ] Floor 3: {n} {}", riders.join(" ")),
        )
        .replace("pets waiting: 4", &format!("pets waiting: {}", n + 2));
    let s = parse(&text).unwrap();
    assert_eq!(s.floor(3).unwrap().waiting, n as u32);
    assert_eq!(s.floor(3).unwrap().riders.len(), n);
    assert_eq!(s.floor(3).unwrap().riders[4999], r('D', 5));
    assert_eq!(s.total_waiting(), n as u64 + 2);
    assert_eq!(s.number_waiting, n as u64 + 2);
    assert_eq!(s.validate(), Ok(()));
    assert_eq!(s.to_string(), text);
}

#[test]
fn validation_catches_inconsistent_counters() {
    let wrong_total = SPEC.replace("pets waiting: 4", "pets waiting: 5");
    let s = parse(&wrong_total).unwrap();
    assert_eq!(
        s.problems(),
        [Problem::WaitingTotal {
            reported: 5,
            sum_of_floors: 4
        }]
    );
    assert!(s.problems()[0].to_string().contains("add up to 4"));

    let wrong_floor = SPEC.replace("Floor 3: 2 P5 C1", "Floor 3: 3 P5 C1");
    let p = parse(&wrong_floor).unwrap().problems();
    assert!(p.contains(&Problem::FloorCount {
        floor: 3,
        count: 3,
        listed: 2
    }));

    let wrong_mark = SPEC
        .replace("[*] Floor 4", "[ ] Floor 4")
        .replace("[ ] Floor 2", "[*] Floor 2");
    let p = parse(&wrong_mark).unwrap().problems();
    assert_eq!(
        p,
        [Problem::Marker {
            current_floor: 4,
            marked: vec![2]
        }]
    );

    let wrong_aboard = SPEC.replace("Number of pets: 4", "Number of pets: 3");
    assert_eq!(
        parse(&wrong_aboard).unwrap().problems(),
        [Problem::AboardTotal {
            reported: 3,
            listed: 4
        }]
    );

    let out_of_range = SPEC.replace("H1\n", "H9\n");
    assert!(matches!(
        parse(&out_of_range).unwrap().problems()[..],
        [Problem::DestinationOutOfRange { on_floor: None, .. }]
    ));

    let own_floor = SPEC.replace("Floor 2: 1 D4", "Floor 2: 1 D2");
    assert!(matches!(
        parse(&own_floor).unwrap().problems()[..],
        [Problem::DestinationIsStart { on_floor: 2, .. }]
    ));

    let heavy = SPEC.replace("43 lbs", "44 lbs");
    let s = parse(&heavy).unwrap();
    assert_eq!(
        PETS.problems(&s),
        [ProfileProblem::Load {
            printed_x10: 440,
            sum_x10: 430
        }]
    );
    assert_eq!(
        PETS.problems(&s)[0].describe(&PETS),
        "load is 44 lbs but the riders aboard weigh 43 lbs"
    );
}

/// Every broken line is reported with its own line number.
#[test]
fn errors_name_the_line() {
    let cases: &[(&str, &str, usize, &str)] = &[
        (
            "Elevator state: LOADING",
            "Elevator state: SLEEPING",
            1,
            "unknown state",
        ),
        (
            "Elevator state: LOADING",
            "Elevator mood: LOADING",
            1,
            "Elevator state:",
        ),
        ("Current floor: 4", "Current floor: four", 2, "floor number"),
        ("Current load: 43 lbs", "Current load: 43 kg", 3, "lbs"),
        (
            "Current load: 43 lbs",
            "Current load: 4.25 lbs",
            3,
            "bad load",
        ),
        ("C5 D2 P3 H1", "C5 D2 p3 H1", 4, "bad rider `p3`"),
        ("[ ] Floor 5: 1 H3", "[ ] Floor 5: 1 H", 6, "bad rider `H`"),
        ("[*] Floor 4: 0", "[*] Floor 4:", 7, "number waiting"),
        (
            "[ ] Floor 3: 2 P5 C1",
            "[ ] Floor x: 2 P5 C1",
            8,
            "floor number",
        ),
        ("[ ] Floor 2: 1 D4", "[ ] Flor 2: 1 D4", 9, "Floor"),
        ("Number of pets: 4", "Number of: 4", 12, "Number of <noun>"),
        (
            "Number of pets waiting: 4",
            "Number of pets waiting: -4",
            13,
            "count",
        ),
        (
            "Number of pets serviced: 27",
            "Number of dogs serviced: 27",
            14,
            "noun `dogs` differs",
        ),
    ];
    for (from, to, line, needle) in cases {
        let text = SPEC.replace(from, to);
        assert_ne!(text, SPEC, "{from}");
        let e = parse(&text).unwrap_err();
        assert_eq!(e.line, *line, "{to}: {e}");
        assert!(e.to_string().contains(needle), "{to}: {e}");
        assert!(e.to_string().starts_with(&format!("line {line}: ")), "{e}");
    }
}

#[test]
fn errors_at_the_end_and_after_it() {
    let cut: String = SPEC.lines().take(11).map(|l| format!("{l}\n")).collect();
    let e = parse(&cut).unwrap_err();
    assert_eq!(e.line, 12);
    assert!(e.to_string().contains("ends where"), "{e}");

    let e = parse("").unwrap_err();
    assert_eq!(e.line, 1);

    let extra = format!("{SPEC}Number of cats: 1\n");
    let e = parse(&extra).unwrap_err();
    assert_eq!(e.line, 15);
    assert!(e.to_string().contains("after the counters"), "{e}");

    let no_floors = "Elevator state: IDLE\nCurrent floor: 1\nCurrent load: 0 lbs\n\
                     Elevator status:\n\nNumber of pets: 0\n";
    let e = parse(no_floors).unwrap_err();
    assert_eq!(e.line, 6);
    assert!(e.to_string().contains("floor line"), "{e}");
}

#[test]
fn serializes_to_json() {
    let s = parse(OFFICE_TXT).unwrap();
    let v: serde_json::Value = serde_json::to_value(&s).unwrap();
    assert_eq!(v["state"], "DOWN");
    assert_eq!(v["current_floor"], 3);
    assert_eq!(v["load_x10"], 45);
    assert_eq!(v["aboard"][0]["kind"], "L");
    assert_eq!(v["aboard"][0]["dest"], 1);
    assert_eq!(v["floors"][0]["number"], 5);
    assert_eq!(v["floors"][2]["is_current"], true);
    assert_eq!(v["floors"][0]["waiting"], 2);
    assert_eq!(v["floors"][0]["riders"][1]["kind"], "V");
    assert_eq!(v["noun"], "passengers");
    assert_eq!(v["number_waiting"], 4);
    assert_eq!(v["number_serviced"], 9);
}
