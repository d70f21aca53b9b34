#!/usr/bin/env node
/**
 * Draws the Broadcast Lab icon — a signal source broadcasting three waves, the global learning signal of
 * broadcast rules — as icon.svg and a 512×512 icon.png (the size electron-builder needs to derive the
 * macOS .icns and Windows .ico). No dependencies: the PNG is written with zlib and a hand-rolled CRC, and
 * edges are anti-aliased by 4×4 supersampling. Re-run after changing the shapes: node assets/icons/make-icons.mjs
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const SIZE = 512;
const here = path.dirname(fileURLToPath(import.meta.url));

const BACKGROUND = [0x14, 0x20, 0x2b];
const WAVE = [0x3e, 0xc7, 0xc2];
const SOURCE = [0xf5, 0xb8, 0x3d];
const CORNER = 104;
const CENTRE = { x: 256, y: 352 };
const WAVES = [
  { r: 96, alpha: 1 },
  { r: 158, alpha: 0.8 },
  { r: 220, alpha: 0.6 },
];
const STROKE = 30;
const HALF_ANGLE = (48 * Math.PI) / 180;
const SOURCE_R = 40;

/** Distance from (x, y) to an arc of radius r around CENTRE, spanning ±HALF_ANGLE from straight up. */
function arcDistance(x, y, r) {
  const dx = x - CENTRE.x;
  const dy = y - CENTRE.y;
  const angle = Math.atan2(dx, -dy); // 0 = up
  if (Math.abs(angle) <= HALF_ANGLE) return Math.abs(Math.hypot(dx, dy) - r);
  const end = Math.sign(angle) * HALF_ANGLE;
  return Math.hypot(x - (CENTRE.x + r * Math.sin(end)), y - (CENTRE.y - r * Math.cos(end)));
}

function insideRoundedSquare(x, y) {
  const cx = Math.min(Math.max(x, CORNER), SIZE - CORNER);
  const cy = Math.min(Math.max(y, CORNER), SIZE - CORNER);
  return Math.hypot(x - cx, y - cy) <= CORNER;
}

/** Colour and coverage of one sample point, painted back to front. */
function sample(x, y) {
  if (!insideRoundedSquare(x, y)) return [0, 0, 0, 0];
  let rgb = BACKGROUND;
  for (const wave of WAVES) {
    if (arcDistance(x, y, wave.r) <= STROKE / 2) rgb = mix(rgb, WAVE, wave.alpha);
  }
  if (Math.hypot(x - CENTRE.x, y - CENTRE.y) <= SOURCE_R) rgb = SOURCE;
  return [...rgb, 1];
}

function mix(a, b, t) {
  return a.map((v, i) => v + (b[i] - v) * t);
}

function renderRgba() {
  const n = 4;
  const pixels = Buffer.alloc(SIZE * SIZE * 4);
  for (let py = 0; py < SIZE; py++) {
    for (let px = 0; px < SIZE; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const [sr, sg, sb, sa] = sample(px + (sx + 0.5) / n, py + (sy + 0.5) / n);
          r += sr * sa;
          g += sg * sa;
          b += sb * sa;
          a += sa;
        }
      }
      const o = (py * SIZE + px) * 4;
      pixels[o] = a ? Math.round(r / a) : 0;
      pixels[o + 1] = a ? Math.round(g / a) : 0;
      pixels[o + 2] = a ? Math.round(b / a) : 0;
      pixels[o + 3] = Math.round((a / (n * n)) * 255);
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function encodePng(rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc((SIZE * 4 + 1) * SIZE);
  for (let y = 0; y < SIZE; y++) {
    rows[y * (SIZE * 4 + 1)] = 0; // filter: none
    rgba.copy(rows, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function svg() {
  const hex = (rgb) => '#' + rgb.map((v) => v.toString(16).padStart(2, '0')).join('');
  const arc = ({ r, alpha }) => {
    const sx = CENTRE.x - r * Math.sin(HALF_ANGLE);
    const ex = CENTRE.x + r * Math.sin(HALF_ANGLE);
    const y = CENTRE.y - r * Math.cos(HALF_ANGLE);
    const f = (v) => +v.toFixed(2);
    return `  <path d="M ${f(sx)} ${f(y)} A ${r} ${r} 0 0 1 ${f(ex)} ${f(y)}" stroke-opacity="${alpha}"/>`;
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">`,
    '  <title>Broadcast Lab</title>',
    `  <rect width="${SIZE}" height="${SIZE}" rx="${CORNER}" fill="${hex(BACKGROUND)}"/>`,
    `  <g fill="none" stroke="${hex(WAVE)}" stroke-width="${STROKE}" stroke-linecap="round">`,
    ...WAVES.map(arc),
    '  </g>',
    `  <circle cx="${CENTRE.x}" cy="${CENTRE.y}" r="${SOURCE_R}" fill="${hex(SOURCE)}"/>`,
    '</svg>',
    '',
  ].join('\n');
}

fs.writeFileSync(path.join(here, 'icon.png'), encodePng(renderRgba()));
fs.writeFileSync(path.join(here, 'icon.svg'), svg());
console.log(`wrote ${path.join(here, 'icon.png')} and icon.svg`);
