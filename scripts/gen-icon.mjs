// Draws the extension icon (images/icon.png, 128x128): "GS" over two swap arrows, written as a PNG
// with node:zlib so no image package is needed. Run: node scripts/gen-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 128;
const pixels = Buffer.alloc(SIZE * SIZE * 4); // RGBA, all transparent

function set(x, y, [r, g, b, a = 255]) {
  if (x < 0 || y < 0 || x >= SIZE || y >= SIZE) return;
  const i = (y * SIZE + x) * 4;
  pixels[i] = r; pixels[i + 1] = g; pixels[i + 2] = b; pixels[i + 3] = a;
}
function rect(x0, y0, w, h, color) {
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) set(x, y, color);
}

// Rounded square background.
const BG = [0x1b, 0x22, 0x33];
const R = 20;
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    const cx = x < R ? R : x >= SIZE - R ? SIZE - R - 1 : x;
    const cy = y < R ? R : y >= SIZE - R ? SIZE - R - 1 : y;
    if ((x - cx) ** 2 + (y - cy) ** 2 <= R * R) set(x, y, BG);
  }
}

// 5x7 glyphs, one string per row.
const GLYPHS = {
  G: ['.###.', '#...#', '#....', '#.###', '#...#', '#...#', '.###.'],
  S: ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
};
function glyph(ch, x0, y0, scale, color) {
  GLYPHS[ch].forEach((row, gy) => {
    [...row].forEach((c, gx) => { if (c === '#') rect(x0 + gx * scale, y0 + gy * scale, scale, scale, color); });
  });
}
const TEXT = [0xe8, 0xec, 0xf4];
glyph('G', 22, 14, 7, TEXT);
glyph('S', 71, 14, 7, TEXT);

// Two arrows: user base -> kernel base (orange, right) and back (teal, left).
function arrow(y, dir, color) {
  const x0 = 24, x1 = 104, thick = 6, head = 12;
  rect(x0, y - thick / 2, x1 - x0, thick, color);
  for (let d = 0; d < head; d++) {
    const x = dir > 0 ? x1 - head + d : x0 + head - d;
    rect(x, y - (head - d), 1, 2 * (head - d), color);
  }
}
arrow(82, +1, [0xff, 0x9e, 0x3d]);
arrow(106, -1, [0x3d, 0xd6, 0xc6]);

// PNG: signature, IHDR, IDAT (filter byte 0 per row), IEND.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0); ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) pixels.copy(raw, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../images/icon.png', import.meta.url), png);
console.log(`images/icon.png: ${png.length} bytes`);
