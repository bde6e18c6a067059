// A console scroll seen by noVNC: the file scrolls up 16 lines with new
// lines at the bottom; the canvas follows pixel for pixel, and the bytes the
// page received show the scrolled part came as a CopyRect (the server only
// sends Raw besides, so a repaint of the scrolled part would cost ~290 kB).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, openSync, writeSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, until, canvasMismatches, ARTIFACTS, W, H } from './harness.js';

const LINE = 16;

// Console-like: a dark background with detail that differs on every line.
function line(y, seed) {
  const b = Buffer.alloc(W * 4);
  for (let x = 0; x < W; x++) {
    const v = Math.imul((x ^ Math.imul(y + seed, 2654435761)) >>> 0, 2246822519) >>> 8;
    const [r, g, bl] = v % 3 === 0 ? [v & 255, (v >> 8) & 255, (v >> 16) & 255] : [16, 16, 16];
    b.set([bl, g, r, 0], x * 4);
  }
  return b;
}

let browser;
let fb;
before(async () => {
  browser = await launch();
  fb = join(mkdtempSync(join(tmpdir(), 'fbvncd-scroll-')), 'fb');
  writeFileSync(fb, Buffer.concat(Array.from({ length: H }, (_, y) => line(y, 0))));
});
after(async () => { await browser?.close(); });

test('a scroll reaches the canvas as CopyRect and the new lines', async () => {
  const server = await startServer(['--fb', `file:${fb}`, '--geometry', `${W}x${H}`, '--listen', '127.0.0.1:0',
    '--http-listen', '127.0.0.1:0', '--no-auth', '--encodings', 'copyrect,raw']);
  try {
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    let received = 0;
    page.on('websocket', (ws) => ws.on('framereceived', (f) => { received += f.payload.length; }));
    await page.goto(`http://${server.http}/`);
    await until('the first picture', async () => (await canvasMismatches(page, fb)) === 0);
    const before = received;
    const old = readFileSync(fb);
    const next = Buffer.concat([old.subarray(LINE * W * 4),
      ...Array.from({ length: LINE }, (_, i) => line(i, 999))]);
    const fd = openSync(fb, 'r+');
    writeSync(fd, next, 0, next.length, 0);
    closeSync(fd);
    await until('the scrolled picture', async () => (await canvasMismatches(page, fb)) === 0);
    await page.screenshot({ path: join(ARTIFACTS, 'browser-scroll.png') });
    const bytes = received - before;
    const repaint = (H - LINE) * W * 4;
    assert.ok(bytes < repaint / 4, `${bytes} bytes for the scroll; a repaint of the scrolled part is ${repaint}`);
    assert.ok(server.lines.some((l) => l.includes('pixels as raw')), server.lines.join('\n'));
    await page.close();
  } finally {
    await server.stop();
  }
});
