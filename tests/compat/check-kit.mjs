// What the check.mjs scripts share: running named checks, asserting, the summary and exit code, a PNG to upload and
// an MP4 test. No dependencies; each script imports it as '../check-kit.mjs'.
import { deflateSync } from 'node:zlib';

const results = [];

// Runs one check: prints `ok    name (N ms)` or `FAIL  name: error`, and returns what fn returned (undefined on failure).
export async function check(name, fn) {
  const started = Date.now();
  try {
    const value = await fn();
    results.push({ name, ok: true });
    console.log(`ok    ${name} (${Date.now() - started} ms)`);
    return value;
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL  ${name}: ${error?.stack ?? error}${error?.body ? `\n      body: ${JSON.stringify(error.body)}` : ''}`);
    return undefined;
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// The error fn rejects with; an Error of its own when fn succeeds.
export async function rejection(fn, message = 'no error') {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error(message);
}

// Prints the summary line summary({ passed, failed, total }) returns and exits: 0 when checks ran and all passed, else 1.
export function finish(summary) {
  const failed = results.filter((r) => !r.ok).length;
  console.log(summary({ passed: results.length - failed, failed, total: results.length }));
  process.exit(failed === 0 && results.length > 0 ? 0 : 1);
}

// The ISO BMFF signature: an 'ftyp' box right at the start.
export function isMp4(bytes) {
  return bytes.length > 12 && bytes.subarray(4, 8).toString('latin1') === 'ftyp';
}

// A solid-colour PNG of the given size (8-bit RGB).
export function png(width, height, [r, g, b] = [200, 120, 40]) {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = table[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
