// Drives a /v1/videos server (the Reel emulator) with the official OpenAI Node SDK.
// Env: OPENAI_BASE_URL (e.g. http://127.0.0.1:5000/v1), OPENAI_API_KEY.
// Exits 0 when every check passes, 1 otherwise; prints one line per check and a summary.
import OpenAI, { toFile } from 'openai';
import { deflateSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const sdkVersion = JSON.parse(readFileSync(new URL('./node_modules/openai/package.json', import.meta.url), 'utf8')).version;

const client = new OpenAI({ maxRetries: 2, timeout: 30_000 });
const results = [];
const created = [];

async function check(name, fn) {
  const started = Date.now();
  try {
    const value = await fn();
    results.push({ name, ok: true });
    console.log(`ok    ${name} (${Date.now() - started} ms)`);
    return value;
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL  ${name}: ${error?.stack ?? error}`);
    return undefined;
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// A solid-colour PNG of the given size, so that input_reference matches `size` exactly.
function png(width, height) {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
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
  for (let x = 0; x < width; x++) row.set([40, 120, 200], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function waitFor(id) {
  const deadline = Date.now() + 30_000;
  let last;
  while (Date.now() < deadline) {
    last = await client.videos.retrieve(id);
    if (last.status === 'completed' || last.status === 'failed') return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`video ${id} still ${last?.status} after 30 s`);
}

async function completed(video) {
  created.push(video.id);
  assert(/^video_[0-9a-f]{32}$/.test(video.id), `unexpected id ${video.id}`);
  assert(['queued', 'in_progress'].includes(video.status), `new job is ${video.status}`);
  const done = await waitFor(video.id);
  assert(done.status === 'completed', `job ended ${done.status}: ${JSON.stringify(done.error)}`);
  assert(done.progress === 100 && done.completed_at && done.expires_at, 'completed job lacks progress/completed_at/expires_at');
  return done;
}

async function bytesOf(response) {
  return Buffer.from(await response.arrayBuffer());
}

const base = await check('create (text only, sora-2 1280x720 4 s)', async () =>
  completed(await client.videos.create({ prompt: 'A lighthouse at dawn', model: 'sora-2', size: '1280x720', seconds: '4' })));

let mp4;
await check('downloadContent variant=video (mp4)', async () => {
  const response = await client.videos.downloadContent(base.id, { variant: 'video' });
  assert(response.headers.get('content-type') === 'video/mp4', `content-type ${response.headers.get('content-type')}`);
  mp4 = await bytesOf(response);
  assert(mp4.subarray(4, 8).toString('latin1') === 'ftyp', 'not an MP4 (no ftyp box)');
});
await check('downloadContent variant=thumbnail (webp)', async () => {
  const response = await client.videos.downloadContent(base.id, { variant: 'thumbnail' });
  assert(response.headers.get('content-type') === 'image/webp', `content-type ${response.headers.get('content-type')}`);
  const b = await bytesOf(response);
  assert(b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP', 'not a WebP');
});
await check('downloadContent variant=spritesheet (jpeg)', async () => {
  const response = await client.videos.downloadContent(base.id, { variant: 'spritesheet' });
  assert(response.headers.get('content-type') === 'image/jpeg', `content-type ${response.headers.get('content-type')}`);
  const b = await bytesOf(response);
  assert(b[0] === 0xff && b[1] === 0xd8, 'not a JPEG');
});

const character = await check('createCharacter (multipart video + name)', async () => {
  const c = await client.videos.createCharacter({ name: 'Mira', video: await toFile(mp4, 'mira.mp4', { type: 'video/mp4' }) });
  assert(/^char_/.test(c.id) && c.name === 'Mira' && typeof c.created_at === 'number', JSON.stringify(c));
  return c;
});
await check('getCharacter', async () => {
  const c = await client.videos.getCharacter(character.id);
  assert(c.id === character.id && c.name === 'Mira', JSON.stringify(c));
});

await check('create with input_reference file + characters[][id]', async () => {
  const done = await completed(await client.videos.create({
    prompt: 'Mira unlocks the coffee shop door',
    model: 'sora-2',
    size: '720x1280',
    seconds: '4',
    input_reference: await toFile(png(720, 1280), 'first.png', { type: 'image/png' }),
    characters: [{ id: character.id }],
  }));
  assert(done.size === '720x1280' && done.seconds === '4', JSON.stringify(done));
});

await check('create with input_reference[image_url] data URL (sora-2-pro 1792x1024)', async () => {
  const url = `data:image/png;base64,${png(1792, 1024).toString('base64')}`;
  await completed(await client.videos.create({
    prompt: 'Wide shot of the harbour', model: 'sora-2-pro', size: '1792x1024', seconds: '4', input_reference: { image_url: url },
  }));
});

await check('create rejects a mismatched input_reference (400, param input_reference)', async () => {
  try {
    await client.videos.create({ prompt: 'x', size: '1280x720', input_reference: await toFile(png(64, 64), 'small.png', { type: 'image/png' }) });
  } catch (error) {
    assert(error instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${error}`);
    assert(error.param === 'input_reference', `param ${error.param}`);
    return;
  }
  throw new Error('no error');
});

await check('create rejects sora-2 with 1792x1024 (400, param size)', async () => {
  try {
    await client.videos.create({ prompt: 'x', model: 'sora-2', size: '1792x1024' });
  } catch (error) {
    assert(error instanceof OpenAI.BadRequestError && error.param === 'size', `got ${error}`);
    return;
  }
  throw new Error('no error');
});

await check('remix', async () => {
  const remix = await client.videos.remix(base.id, { prompt: 'Same lighthouse at night' });
  const done = await completed(remix);
  assert(done.remixed_from_video_id === base.id, `remixed_from_video_id ${done.remixed_from_video_id}`);
});

await check('extend (video[id], seconds = stitched total)', async () => {
  const done = await completed(await client.videos.extend({ video: { id: base.id }, prompt: 'The light turns on', seconds: '4' }));
  assert(done.seconds === '8', `seconds ${done.seconds}`);
  const b = await bytesOf(await client.videos.downloadContent(done.id));
  assert(b.length > 0, 'empty extension');
});

await check('edit (video[id])', async () => {
  const done = await completed(await client.videos.edit({ video: { id: base.id }, prompt: 'Warmer grade' }));
  assert(done.model === base.model && done.size === base.size, JSON.stringify(done));
});

await check('list with auto-pagination (limit 2)', async () => {
  const seen = [];
  for await (const video of client.videos.list({ limit: 2 })) seen.push(video.id);
  assert(new Set(seen).size === seen.length, 'duplicate ids across pages');
  for (const id of created) assert(seen.includes(id), `list misses ${id}`);
  const first = await client.videos.list({ limit: 2 });
  assert(first.data.length === 2 && first.has_more === true, 'first page should have 2 items and more');
});

await check('delete and 404 afterwards', async () => {
  for (const id of created) {
    const deleted = await client.videos.delete(id);
    assert(deleted.deleted === true && deleted.object === 'video.deleted' && deleted.id === id, JSON.stringify(deleted));
  }
  try {
    await client.videos.retrieve(created[0]);
  } catch (error) {
    assert(error instanceof OpenAI.NotFoundError, `expected NotFoundError, got ${error}`);
    return;
  }
  throw new Error('deleted video still retrievable');
});

const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length}/${results.length} checks passed against ${client.baseURL} with openai-node ${sdkVersion}`);
process.exit(failed.length === 0 && results.length > 0 ? 0 : 1);
