// Typing without the board's canvas in focus: the paste box's text, and the
// hidden field that brings up a phone's on-screen keyboard.

// Characters to keysyms: Latin-1 maps to itself; others use the Unicode range.
export function keysymFor(ch) {
  if (ch === '\n') return 0xff0d;
  if (ch === '\t') return 0xff09;
  const cp = ch.codePointAt(0);
  return cp < 0x100 ? cp : 0x01000000 + cp;
}

// Keys the field gets as keydown only (no text), by KeyboardEvent.key.
const NAMED = {
  Backspace: 0xff08, Tab: 0xff09, Enter: 0xff0d, Escape: 0xff1b, Delete: 0xffff,
  Home: 0xff50, ArrowLeft: 0xff51, ArrowUp: 0xff52, ArrowRight: 0xff53, ArrowDown: 0xff54,
  PageUp: 0xff55, PageDown: 0xff56, End: 0xff57, Insert: 0xff63,
};
for (let i = 1; i <= 12; i++) NAMED[`F${i}`] = 0xffbd + i;
const CONTROL = 0xffe3;
const ALT = 0xffe9;
const SHIFT = 0xffe1;
const BACKSPACE = 0xff08;

// A paste goes at about 120 characters a second, as fbvncd's own
// --paste-as-keys does: a board's programs (and a console over a serial
// line) miss keys that come faster.
const CHARS_PER_TICK = 1;
const TICK_MS = 8;

/**
 * Types on `rfb()` (the current connection, or null): paced, in order. Each
 * item of the queue is a list of keysyms pressed in turn and released in
 * reverse (one for a character, several for a chord), sent in one tick.
 */
export class Typist {
  constructor(rfb) {
    this.rfb = rfb;
    this.queue = [];
    this.timer = null;
  }

  type(text) {
    for (const ch of text.replace(/\r\n?/g, '\n')) this.queue.push([keysymFor(ch)]);
    this.pump();
  }

  // A key, or a chord (modifiers first), that keeps its place after text
  // still being typed.
  key(...keysyms) {
    this.queue.push(keysyms);
    this.pump();
  }

  pump() {
    if (this.timer !== null) return;
    const rfb = this.rfb();
    if (!rfb) {
      this.queue = []; // the connection is gone: nothing types into it later
      return;
    }
    for (const keys of this.queue.splice(0, CHARS_PER_TICK)) press(rfb, keys);
    if (this.queue.length) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, TICK_MS);
    }
  }
}

function press(rfb, keys) {
  if (keys.length === 1) {
    rfb.sendKey(keys[0]);
    return;
  }
  for (const k of keys) rfb.sendKey(k, null, true);
  for (const k of [...keys].reverse()) rfb.sendKey(k, null, false);
}

// What the hidden field holds between inputs: an on-screen keyboard's
// Backspace deletes from the field (often with no keydown that says so), so
// there must be something to delete. Its length is only ever compared.
const FILLER = '_'.repeat(32);

/**
 * Sends what is typed into `field` (focused to bring up a phone's keyboard)
 * through `typist`. A phone's keyboard builds a word in the field while it
 * is composed ("h", "he", "hel"…): each change goes as the difference to the
 * field's last text (Backspace for what went, the new characters), so a word
 * arrives once. Keys that make no text (arrows, Delete, F-keys, chords with
 * Ctrl or Alt, from a Bluetooth or desktop keyboard) go from keydown.
 */
export function attachField(field, typist) {
  let last = '';
  let composing = false;
  const reset = () => {
    field.value = FILLER;
    last = FILLER;
  };
  field.addEventListener('focus', reset);
  field.addEventListener('compositionstart', () => { composing = true; });
  field.addEventListener('compositionend', () => { composing = false; });
  field.addEventListener('input', () => {
    const now = [...field.value];
    const was = [...last];
    let same = 0;
    while (same < now.length && same < was.length && now[same] === was[same]) same++;
    for (let i = same; i < was.length; i++) typist.key(BACKSPACE);
    typist.type(now.slice(same).join(''));
    last = field.value;
    // Room to delete again, and no endless word: refilled between words.
    if (!composing && (now.length < FILLER.length / 2 || now.length > FILLER.length * 4)) reset();
  });
  field.addEventListener('keydown', (e) => {
    if (e.isComposing || e.keyCode === 229) return; // the keyboard's own; its text comes as input
    const named = NAMED[e.key];
    const chord = named === undefined ? chordKey(e) : undefined;
    if (named === undefined && chord === undefined) return; // a character: it comes as input
    e.preventDefault();
    const held = [];
    if (e.ctrlKey) held.push(CONTROL);
    if (e.altKey) held.push(ALT);
    if (e.shiftKey && named !== undefined) held.push(SHIFT); // a character carries its own
    typist.key(...held, named ?? keysymFor(chord)); // after what the field typed before it
  });
}

// Ctrl or Alt with a plain ASCII key is a chord for the board (Ctrl+C,
// Alt+F); with a letter of another script (Ctrl+С on a Cyrillic layout) it
// is the Latin letter of that key, as a terminal takes it. AltGr (Ctrl+Alt
// on Windows) and macOS's Option make characters (@, €, å): those come as
// input. On a Mac, Option makes a chord only together with Ctrl.
const MAC = /Mac|iPhone|iPad/.test(globalThis.navigator?.platform ?? '');
function chordKey(e) {
  if (e.getModifierState?.('AltGraph') || !(MAC ? e.ctrlKey : e.ctrlKey || e.altKey)) return undefined;
  if (/^[\x20-\x7e]$/.test(e.key)) return e.key;
  const letter = /^Key([A-Z])$/.exec(e.code ?? '');
  if (letter && [...e.key].length === 1 && e.ctrlKey) return letter[1].toLowerCase();
  return undefined;
}
