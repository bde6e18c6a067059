// Starts fbvncd and Chromium for the browser tests.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..');
export const BIN = process.env.FBVNCD_BIN || join(ROOT, 'target', 'debug', 'fbvncd');
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export const W = 320;
export const H = 240;

/** A temp dir with the test pattern as an xrgb8888 file. */
export function patternFile() {
  const dir = mkdtempSync(join(tmpdir(), 'fbvncd-browser-'));
  const fb = join(dir, 'fb');
  execFileSync('python3', [join(ROOT, 'tests', 'tools', 'pattern.py'), 'write', fb, String(W), String(H)]);
  return { dir, fb };
}

/** Expected [r, g, b] at (x, y), read back from the xrgb8888 file. */
export function expectedPixels(fb) {
  const b = readFileSync(fb);
  return (x, y) => {
    const i = (y * W + x) * 4;
    return [b[i + 2], b[i + 1], b[i]];
  };
}

/** Starts fbvncd; resolves once both listening lines are seen. */
export function startServer(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const lines = [];
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no listening lines: ${lines.join('\n')}`)), 20000);
    proc.stderr.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      const rfb = lines.find((l) => l.startsWith('listening rfb '));
      const http = lines.find((l) => l.startsWith('listening http '));
      if (rfb && http) {
        clearTimeout(timer);
        resolve({
          proc,
          lines,
          rfb: rfb.split(' ')[2],
          http: http.split(' ')[2],
          // (Once it has ended, at once.)
          stop: () => new Promise((r) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return r();
            proc.once('exit', r);
            proc.kill('SIGTERM');
          }),
        });
      }
    });
    proc.once('exit', (code) => reject(new Error(`fbvncd exited ${code}: ${lines.join('\n')}`)));
  });
}

/** Launches Debian's Chromium headless. */
export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-quic', '--no-first-run', '--disable-sync'],
  });
}

/** Waits until `fn` returns a truthy value (polling), or throws after `ms`. */
export async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The canvas's RGBA pixels as { w, h, px: Buffer }, or null before it has a size. They cross from the
 * page as one base64 string: an array of numbers is serialised one element at a time, seconds for a
 * big canvas.
 */
export async function canvasPixels(page) {
  const d = await page.evaluate(() => {
    const c = document.querySelector('#screen canvas');
    if (!c || c.width === 0) return null;
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let bin = '';
    for (let i = 0; i < px.length; i += 0x8000) bin += String.fromCharCode(...px.subarray(i, i + 0x8000));
    return { w: c.width, h: c.height, b64: btoa(bin) };
  });
  return d && { w: d.w, h: d.h, px: Buffer.from(d.b64, 'base64') };
}

/** The canvas pixels mismatching the file pattern. */
export async function canvasMismatches(page, fb) {
  const data = await canvasPixels(page);
  if (!data || data.w !== W || data.h !== H) return Infinity;
  const want = expectedPixels(fb);
  let bad = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4;
      const [r, g, b] = want(x, y);
      if (data.px[i] !== r || data.px[i + 1] !== g || data.px[i + 2] !== b) bad++;
    }
  }
  return bad;
}
