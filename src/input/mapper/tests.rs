use super::*;

fn names(batch: &[InputEvent]) -> Vec<String> {
    batch.iter().map(crate::input::trace::format_event).collect()
}

fn mapper() -> InputMapper {
    InputMapper::new(false, Rotation::R0, 640, 480)
}

#[test]
fn shift_is_pressed_around_bang_and_lifted_around_slash() {
    let mut m = mapper();
    assert_eq!(
        names(&m.key(true, u32::from(b'!'))),
        ["EV_KEY KEY_LEFTSHIFT 1", "EV_KEY KEY_1 1", "EV_KEY KEY_LEFTSHIFT 0", "EV_SYN SYN_REPORT 0"]
    );
    m.key(false, u32::from(b'!'));
    m.key(true, 0xffe2);
    assert_eq!(
        names(&m.key(true, u32::from(b'/'))),
        ["EV_KEY KEY_RIGHTSHIFT 0", "EV_KEY KEY_SLASH 1", "EV_KEY KEY_RIGHTSHIFT 1", "EV_SYN SYN_REPORT 0"]
    );
    assert_eq!(names(&m.key(true, u32::from(b'A'))), ["EV_KEY KEY_A 1", "EV_SYN SYN_REPORT 0"]);
}

/// The keys pressed (value 1) by a press of `keysym`, Shift moves included.
fn press(m: &mut InputMapper, keysym: u8) -> Vec<String> {
    let ev = names(&m.key(true, u32::from(keysym)));
    m.key(false, u32::from(keysym));
    ev.into_iter().filter(|e| !e.starts_with("EV_SYN")).collect()
}

#[test]
fn a_letter_comes_out_in_its_keysyms_case_whatever_caps_lock() {
    let mut m = mapper();
    // No Shift held, board's Caps Lock off: "A" needs Shift.
    assert_eq!(press(&mut m, b'A'), ["EV_KEY KEY_LEFTSHIFT 1", "EV_KEY KEY_A 1", "EV_KEY KEY_LEFTSHIFT 0"]);
    assert_eq!(press(&mut m, b'a'), ["EV_KEY KEY_A 1"]);
    // Shift held: "A" as it is; "a" (the viewer's Caps Lock on) without it.
    m.key(true, 0xffe1);
    assert_eq!(press(&mut m, b'A'), ["EV_KEY KEY_A 1"]);
    assert_eq!(press(&mut m, b'a'), ["EV_KEY KEY_LEFTSHIFT 0", "EV_KEY KEY_A 1", "EV_KEY KEY_LEFTSHIFT 1"]);
    m.key(false, 0xffe1);
    // The board's Caps Lock on: the other way round.
    m.set_leds(Some(0b100));
    assert_eq!(press(&mut m, b'A'), ["EV_KEY KEY_A 1"]);
    assert_eq!(press(&mut m, b'a'), ["EV_KEY KEY_LEFTSHIFT 1", "EV_KEY KEY_A 1", "EV_KEY KEY_LEFTSHIFT 0"]);
    // Num and Scroll Lock change nothing.
    m.set_leds(Some(0b011));
    assert_eq!(press(&mut m, b'a'), ["EV_KEY KEY_A 1"]);
}

#[test]
fn a_shortcut_keeps_the_viewers_shift() {
    let mut m = mapper();
    m.key(true, 0xffe3); // Control_L
    assert_eq!(press(&mut m, b'C'), ["EV_KEY KEY_C 1"]);
    m.key(true, 0xffe1);
    assert_eq!(press(&mut m, b'c'), ["EV_KEY KEY_C 1"]);
    // Punctuation still gets the Shift it needs.
    m.key(false, 0xffe1);
    assert_eq!(
        press(&mut m, b'+'),
        ["EV_KEY KEY_LEFTSHIFT 1", "EV_KEY KEY_EQUAL 1", "EV_KEY KEY_LEFTSHIFT 0"]
    );
}

#[test]
fn a_release_without_a_press_is_dropped() {
    assert!(mapper().key(false, u32::from(b'a')).is_empty());
}

#[test]
fn buttons_and_wheel_from_the_mask() {
    let mut m = mapper();
    assert_eq!(
        names(&m.pointer(0b1000_0101, 10, 20)),
        [
            "EV_ABS ABS_X 10",
            "EV_ABS ABS_Y 20",
            "EV_KEY BTN_LEFT 1",
            "EV_KEY BTN_RIGHT 1",
            "EV_KEY BTN_SIDE 1",
            "EV_SYN SYN_REPORT 0"
        ]
    );
    assert_eq!(
        names(&m.pointer(0b0000_1000, 10, 20)),
        [
            "EV_KEY BTN_LEFT 0",
            "EV_KEY BTN_RIGHT 0",
            "EV_KEY BTN_SIDE 0",
            "EV_REL REL_WHEEL 1",
            "EV_SYN SYN_REPORT 0"
        ]
    );
    assert!(m.pointer(0b0000_1000, 10, 20).is_empty(), "a held wheel bit steps once");
    assert_eq!(
        names(&m.pointer(0b0001_0000, 11, 20)),
        ["EV_ABS ABS_X 11", "EV_REL REL_WHEEL -1", "EV_SYN SYN_REPORT 0"]
    );
    assert_eq!(names(&m.pointer(0b0010_0000, 11, 20)), ["EV_REL REL_HWHEEL -1", "EV_SYN SYN_REPORT 0"]);
    assert_eq!(names(&m.pointer(0b0100_0000, 11, 20)), ["EV_REL REL_HWHEEL 1", "EV_SYN SYN_REPORT 0"]);
}

#[test]
fn coordinates_follow_the_rotation() {
    // A 640x480 source turned 90° is shown 480x640: the shown top-right
    // corner is the source's top-left.
    let mut m = InputMapper::new(false, Rotation::R90, 640, 480);
    assert_eq!(names(&m.pointer(0, 479, 0)), ["EV_ABS ABS_X 0", "EV_ABS ABS_Y 0", "EV_SYN SYN_REPORT 0"]);
    let mut m = InputMapper::new(false, Rotation::R180, 640, 480);
    assert_eq!(names(&m.pointer(0, 0, 0)), ["EV_ABS ABS_X 639", "EV_ABS ABS_Y 479", "EV_SYN SYN_REPORT 0"]);
}

#[test]
fn touch_is_button_one_with_a_tracking_id_and_no_hover() {
    let mut m = InputMapper::new(true, Rotation::R0, 640, 480);
    assert!(m.pointer(0, 5, 5).is_empty());
    assert_eq!(
        names(&m.pointer(1, 7, 8)),
        [
            "EV_ABS ABS_X 7",
            "EV_ABS ABS_MT_POSITION_X 7",
            "EV_ABS ABS_Y 8",
            "EV_ABS ABS_MT_POSITION_Y 8",
            "EV_ABS ABS_MT_TRACKING_ID 1",
            "EV_KEY BTN_TOUCH 1",
            "EV_SYN SYN_REPORT 0"
        ]
    );
    assert_eq!(
        names(&m.pointer(0, 7, 8)),
        ["EV_ABS ABS_MT_TRACKING_ID -1", "EV_KEY BTN_TOUCH 0", "EV_SYN SYN_REPORT 0"]
    );
    assert!(names(&m.pointer(1, 7, 8)).contains(&"EV_ABS ABS_MT_TRACKING_ID 2".to_string()));
}

#[test]
fn a_disconnect_releases_keys_and_buttons() {
    let mut m = mapper();
    m.key(true, 0xffe3);
    m.key(true, u32::from(b'c'));
    m.pointer(1, 1, 1);
    assert_eq!(
        names(&m.release_all()),
        ["EV_KEY KEY_C 0", "EV_KEY KEY_LEFTCTRL 0", "EV_KEY BTN_LEFT 0", "EV_SYN SYN_REPORT 0"]
    );
    assert!(m.release_all().is_empty());
}

#[test]
fn paste_types_newlines_and_skips_what_it_cannot() {
    let (keysyms, no_key, over) = paste_keysyms("a\r\né!".as_bytes());
    assert_eq!(keysyms, [u32::from(b'a'), 0xff0d, u32::from(b'!')]);
    assert_eq!((no_key, over), (2, 0), "é is two bytes of UTF-8, neither a key");
    let long = vec![b'x'; MAX_PASTE + 3];
    let (keysyms, no_key, over) = paste_keysyms(&long);
    assert_eq!((keysyms.len(), no_key, over), (MAX_PASTE, 0, 3));
}

/// A paste's characters typed one batch each.
fn typed(m: &mut InputMapper, text: &[u8]) -> Vec<String> {
    paste_keysyms(text).0.into_iter().flat_map(|k| names(&m.type_char(k))).collect()
}

#[test]
fn paste_types_capitals_with_shift_whatever_is_held() {
    let mut m = mapper();
    assert_eq!(
        typed(&mut m, b"Hi"),
        [
            "EV_KEY KEY_LEFTSHIFT 1",
            "EV_KEY KEY_H 1",
            "EV_KEY KEY_LEFTSHIFT 0",
            "EV_SYN SYN_REPORT 0",
            "EV_KEY KEY_H 0",
            "EV_SYN SYN_REPORT 0",
            "EV_KEY KEY_I 1",
            "EV_SYN SYN_REPORT 0",
            "EV_KEY KEY_I 0",
            "EV_SYN SYN_REPORT 0"
        ]
    );
    // With the viewer's Shift held, a small letter is typed without it.
    m.key(true, 0xffe1);
    assert_eq!(
        typed(&mut m, b"a")[..3],
        ["EV_KEY KEY_LEFTSHIFT 0", "EV_KEY KEY_A 1", "EV_KEY KEY_LEFTSHIFT 1"]
    );
}

#[test]
fn unknown_keysyms_are_remembered_up_to_a_bound() {
    let mut m = mapper();
    for keysym in 0x0100_1000..0x0101_1000 {
        assert!(m.key(true, keysym).is_empty());
    }
    assert_eq!(m.unknown_logged.len(), MAX_UNKNOWN_LOGGED + 1);
}

/// The keys a press and release of `keysym` move, Shift included.
fn tap(m: &mut InputMapper, keysym: u32) -> Vec<String> {
    let mut ev = names(&m.key(true, keysym));
    ev.extend(names(&m.key(false, keysym)));
    ev.into_iter().filter(|e| !e.starts_with("EV_SYN")).collect()
}

#[test]
fn keypad_keys_mean_their_keysym_whatever_the_boards_num_lock() {
    let (kp_1, kp_end, kp_decimal) = (0xffb1, 0xff9c, 0xffae);
    let mut m = mapper();
    // Num Lock not known (a trace sink): the keys that mean it either way.
    assert_eq!(tap(&mut m, kp_1), ["EV_KEY KEY_1 1", "EV_KEY KEY_1 0"]);
    assert_eq!(tap(&mut m, kp_end), ["EV_KEY KEY_END 1", "EV_KEY KEY_END 0"]);
    // The board's Num Lock on: the keypad's digits, and End for End.
    m.set_leds(Some(0b010));
    assert_eq!(tap(&mut m, kp_1), ["EV_KEY KEY_KP1 1", "EV_KEY KEY_KP1 0"]);
    assert_eq!(tap(&mut m, kp_decimal), ["EV_KEY KEY_KPDOT 1", "EV_KEY KEY_KPDOT 0"]);
    assert_eq!(tap(&mut m, kp_end), ["EV_KEY KEY_END 1", "EV_KEY KEY_END 0"]);
    // Off: the keypad's End, and the main row's digit.
    m.set_leds(Some(0b000));
    assert_eq!(tap(&mut m, kp_end), ["EV_KEY KEY_KP1 1", "EV_KEY KEY_KP1 0"]);
    assert_eq!(tap(&mut m, kp_decimal), ["EV_KEY KEY_DOT 1", "EV_KEY KEY_DOT 0"]);
    // A digit is a digit even with the viewer's Shift down.
    m.key(true, 0xffe1);
    assert_eq!(
        tap(&mut m, kp_1),
        ["EV_KEY KEY_LEFTSHIFT 0", "EV_KEY KEY_1 1", "EV_KEY KEY_LEFTSHIFT 1", "EV_KEY KEY_1 0"]
    );
    m.key(false, 0xffe1);
    // Num Lock turned on between press and release: the pressed key is let go.
    m.key(true, kp_1);
    m.set_leds(Some(0b010));
    assert_eq!(names(&m.key(false, kp_1)), ["EV_KEY KEY_1 0", "EV_SYN SYN_REPORT 0"]);
    // The End key held, the keypad's End tapped (Num Lock off): each lets go
    // of its own key.
    m.set_leds(Some(0b000));
    m.key(true, 0xff57);
    assert_eq!(tap(&mut m, kp_end), ["EV_KEY KEY_KP1 1", "EV_KEY KEY_KP1 0"]);
    assert_eq!(names(&m.release_all()), ["EV_KEY KEY_END 0", "EV_SYN SYN_REPORT 0"]);
}

#[test]
fn a_keypad_key_goes_up_as_it_went_down_whatever_its_release_names() {
    let (kp_1, kp_end, kp_home, kp_7) = (0xffb1, 0xff9c, 0xff95, 0xffb7);
    let mut m = mapper();
    // Shift or Num Lock changed on the viewer while the key was held: it
    // reports the release as the key's other keysym.
    assert_eq!(names(&m.key(true, kp_1))[0], "EV_KEY KEY_1 1");
    assert_eq!(names(&m.key(false, kp_end)), ["EV_KEY KEY_1 0", "EV_SYN SYN_REPORT 0"]);
    assert_eq!(names(&m.key(true, kp_home))[0], "EV_KEY KEY_HOME 1");
    assert_eq!(names(&m.key(false, kp_7)), ["EV_KEY KEY_HOME 0", "EV_SYN SYN_REPORT 0"]);
    // Auto-repeat across a Num Lock change stays on the first key.
    m.set_leds(Some(0b000));
    assert_eq!(names(&m.key(true, kp_1))[0], "EV_KEY KEY_1 1");
    m.set_leds(Some(0b010));
    assert_eq!(names(&m.key(true, kp_1))[0], "EV_KEY KEY_1 1");
    assert_eq!(names(&m.key(false, kp_1)), ["EV_KEY KEY_1 0", "EV_SYN SYN_REPORT 0"]);
    assert!(m.release_all().is_empty(), "nothing left down");
    // Pressed as a keysym, released as a physical key (QEMU's scancode 0x4f
    // is the keypad's 1).
    m.set_leds(Some(0b000));
    assert_eq!(names(&m.key(true, kp_1))[0], "EV_KEY KEY_1 1");
    assert_eq!(names(&m.qemu_key(true, 0x4f, kp_end))[0], "EV_KEY KEY_1 1", "a repeat");
    assert_eq!(names(&m.qemu_key(false, 0x4f, kp_end)), ["EV_KEY KEY_1 0", "EV_SYN SYN_REPORT 0"]);
    assert!(m.release_all().is_empty(), "nothing left down");
    // Shift pressed while a digit repeats (the viewer now names KP_End):
    // the repeats stay digits, Shift lifted around each.
    assert_eq!(names(&m.key(true, kp_1))[0], "EV_KEY KEY_1 1");
    m.key(true, 0xffe1);
    assert_eq!(
        names(&m.key(true, kp_end))[..3],
        ["EV_KEY KEY_LEFTSHIFT 0", "EV_KEY KEY_1 1", "EV_KEY KEY_LEFTSHIFT 1"]
    );
    assert_eq!(names(&m.key(false, kp_end)), ["EV_KEY KEY_1 0", "EV_SYN SYN_REPORT 0"]);
}
