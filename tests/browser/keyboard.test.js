// Typing from the page without the canvas in focus: a phone's on-screen
// keyboard composing words, keys without text, focus after the toolbar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { patternFile, startServer, launch, until, canvasMismatches, W, H } from './harness.js';

let browser;
let files;
let trace;

before(async () => {
  browser = await launch();
  files = patternFile();
  trace = join(files.dir, 'keys-trace');
});

after(async () => {
  await browser?.close();
});

/** Runs `fn(server, page)` on a server of the pattern and its page, shown; closes both after. */
async function withPage(viewport, fn) {
  writeFileSync(trace, '');
  const server = await startServer(['--fb', `file:${files.fb}`, '--geometry', `${W}x${H}`,
    '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--no-auth', '--input', `trace:${trace}`]);
  const page = await browser.newPage(viewport);
  try {
    await page.goto(`http://${server.http}/`);
    await until('canvas equals the pattern', async () => (await canvasMismatches(page, files.fb)) === 0);
    await fn(server, page);
  } finally {
    await page.close();
    await server.stop();
  }
}

/** The key presses in the trace, as evdev names. */
function presses() {
  const lines = existsSync(trace) ? readFileSync(trace, 'utf8').split('\n') : [];
  return lines.filter((l) => l.startsWith('EV_KEY KEY_') && l.endsWith(' 1')).map((l) => l.split(' ')[1]);
}

test("a phone keyboard's composed word arrives once, and its Backspace deletes", async () => {
  await withPage({ viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true }, async (server, page) => {
    await page.click('#keyboard');
    const cdp = await page.context().newCDPSession(page);
    // As Gboard does: the word grows in the field while composed, then is committed.
    for (const text of ['h', 'he', 'hel', 'hell', 'hello']) {
      await cdp.send('Input.imeSetComposition', { text, selectionStart: text.length, selectionEnd: text.length });
    }
    await cdp.send('Input.insertText', { text: 'hello' });
    await until('the word in the trace', () => presses().includes('KEY_O'));
    // A Backspace that comes only as the field losing a character (no key event).
    await page.evaluate(() => document.execCommand('delete'));
    await until('Backspace in the trace', () => presses().includes('KEY_BACKSPACE'));
    assert.deepEqual(presses(), ['KEY_H', 'KEY_E', 'KEY_L', 'KEY_L', 'KEY_O', 'KEY_BACKSPACE']);

    // Keys without text, from a Bluetooth keyboard: an arrow and a chord.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Control+c');
    await until('the chord in the trace', () => presses().includes('KEY_C'));
    assert.deepEqual(presses().slice(6), ['KEY_LEFT', 'KEY_LEFTCTRL', 'KEY_C']);
  });
});

test('a chord keeps its place after text still being typed; AltGr and Option characters are text', async () => {
  await withPage({ viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true }, async (server, page) => {
    await page.click('#keyboard');
    // A word committed at once, then Ctrl+A before the word is all typed.
    await page.keyboard.insertText('echo hi');
    await page.keyboard.press('Control+a');
    await until('the chord in the trace', () => presses().includes('KEY_A'));
    assert.deepEqual(presses(), ['KEY_E', 'KEY_C', 'KEY_H', 'KEY_O', 'KEY_SPACE', 'KEY_H', 'KEY_I',
      'KEY_LEFTCTRL', 'KEY_A']);

    // AltGr+Q on a German layout makes '@' (Windows also sets Ctrl and
    // Alt); a Mac's Option+A makes 'å'. Neither is a chord: the keydown is
    // left to make its character, which comes as input.
    writeFileSync(trace, '');
    const prevented = await page.$eval('#kbd-input', (field) => [
      { key: '@', code: 'KeyQ', ctrlKey: true, altKey: true, modifierAltGraph: true },
      { key: 'å', code: 'KeyA', altKey: true },
    ].map((init) => {
      const e = new KeyboardEvent('keydown', { ...init, bubbles: true, cancelable: true });
      field.dispatchEvent(e);
      return e.defaultPrevented;
    }));
    assert.deepEqual(prevented, [false, false]);
    await page.keyboard.insertText('@');
    await until('the @ in the trace', () => presses().includes('KEY_2'));
    assert.deepEqual(presses(), ['KEY_LEFTSHIFT', 'KEY_2'], 'an @, and no Ctrl or Alt');

    // Ctrl+С on a Russian layout is Ctrl+C for the board (the key's Latin letter).
    writeFileSync(trace, '');
    await page.$eval('#kbd-input', (field) => field.dispatchEvent(new KeyboardEvent('keydown',
      { key: 'с', code: 'KeyC', ctrlKey: true, bubbles: true, cancelable: true })));
    await until('Ctrl+C in the trace', () => presses().includes('KEY_C'));
    assert.deepEqual(presses(), ['KEY_LEFTCTRL', 'KEY_C']);
  });
});

test('keys go to the board after connecting and after a toolbar button, with no click', async () => {
  await withPage({ viewport: { width: 1024, height: 768 } }, async (server, page) => {
    await page.keyboard.press('b');
    await until('KEY_B in the trace', () => presses().includes('KEY_B'));
    await page.click('#scale');
    assert.equal(await page.textContent('#scale'), '1:1');
    // Space types a space on the board; it does not press the button again.
    await page.keyboard.press(' ');
    await until('KEY_SPACE in the trace', () => presses().includes('KEY_SPACE'));
    assert.equal(await page.textContent('#scale'), '1:1');
    assert.deepEqual(presses(), ['KEY_B', 'KEY_SPACE'], 'the click on the button reached nothing');
  });
});

test('a tab that lost its connection says so in its title', async () => {
  await withPage({ viewport: { width: 800, height: 600 } }, async (server, page) => {
    await until('the title names the board', async () => (await page.title()).endsWith('— fbvncd'));
    await server.stop();
    await until('the title says the connection dropped', async () => (await page.title()).startsWith('Disconnected'));
  });
});
