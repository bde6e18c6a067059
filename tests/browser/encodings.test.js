// The page's canvas with the server restricted to Tight, ZRLE and Hextile in
// turn: few-colour areas pixel for pixel, and the encoding really used (the
// server's per-client log). With Tight, noVNC's default quality level turns
// on JPEG for the photo-like part, which must stay within a small error.
// A bigger screen through Tight goes out a few strips at a time, the update
// ended by LastRect (noVNC offers it): the canvas must still equal the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, until, canvasPixels, ARTIFACTS, W, H } from './harness.js';

// Left 192 columns (three 64-pixel tiles): a few flat colours and stripes;
// the rest: a smooth gradient, photo-like.
const SPLIT = 192;
function pixel(x, y, w) {
  if (x >= SPLIT) return [Math.floor((x - SPLIT) * 255 / (w - SPLIT)), y & 255, 255 - (((x + y) >> 2) & 255)];
  if ((y >> 3) % 3 === 0) return (x >> 2) % 2 ? [255, 255, 255] : [0, 0, 0];
  return [[200, 30, 30], [30, 160, 60], [40, 40, 220]][(x >> 6) % 3];
}

function writeFrame(path, w, h) {
  const b = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, bl] = pixel(x, y, w);
      b.set([bl, g, r, 0], (y * w + x) * 4);
    }
  }
  writeFileSync(path, b);
}

let browser;
let dir;
let fb;
before(async () => {
  browser = await launch();
  dir = mkdtempSync(join(tmpdir(), 'fbvncd-enc-'));
  fb = join(dir, 'fb');
  writeFrame(fb, W, H);
});
after(async () => { await browser?.close(); });

async function canvasErrors(page, w = W, h = H) {
  const d = await canvasPixels(page);
  if (!d || d.w !== w) return null;
  let sharp = 0, photo = 0, photoSum = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const want = pixel(x, y, w);
      for (let c = 0; c < 3; c++) {
        const e = Math.abs(d.px[(y * w + x) * 4 + c] - want[c]);
        if (x < SPLIT) sharp += e ? 1 : 0;
        else { photo += e ? 1 : 0; photoSum += e; }
      }
    }
  }
  return { sharp, photo, photoMean: photoSum / ((w - SPLIT) * h * 3) };
}

for (const name of ['tight', 'zrle', 'hextile']) {
  test(`${name}: the canvas equals the file`, async () => {
    const server = await startServer(['--fb', `file:${fb}`, '--geometry', `${W}x${H}`, '--listen', '127.0.0.1:0',
      '--http-listen', '127.0.0.1:0', '--no-auth', '--encodings', name]);
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
      await page.goto(`http://${server.http}/`);
      const errors = await until('the picture', async () => {
        const e = await canvasErrors(page);
        return e && e.sharp === 0 && (name === 'tight' ? e.photoMean < 3 : e.photo === 0) ? e : null;
      });
      await page.screenshot({ path: join(ARTIFACTS, `browser-${name}.png`) });
      assert.ok(server.lines.some((l) => l.includes(`pixels as ${name}`)), server.lines.join('\n'));
      if (name === 'tight') assert.ok(errors.photo > 0, 'JPEG was used for the gradient');
      await page.close();
    } finally {
      await server.stop();
    }
  });
}

test('tight on a big screen: streamed in strips, ended by LastRect, the canvas equals the file', async () => {
  const [w, h] = [960, 540];
  const big = join(dir, 'big');
  writeFrame(big, w, h);
  const server = await startServer(['--fb', `file:${big}`, '--geometry', `${w}x${h}`, '--listen', '127.0.0.1:0',
    '--http-listen', '127.0.0.1:0', '--no-auth', '--encodings', 'tight', '--log-level', 'debug']);
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    await page.goto(`http://${server.http}/`);
    await until('the picture', async () => {
      const e = await canvasErrors(page, w, h);
      return e && e.sharp === 0 && e.photoMean < 3 ? e : null;
    });
    assert.ok(server.lines.some((l) => l.includes('ended by LastRect')), server.lines.join('\n'));
    await page.close();
  } finally {
    await server.stop();
  }
});
