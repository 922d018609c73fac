// Drives a /v1/videos server (the Reel emulator) with the official OpenAI Node SDK.
// Env: OPENAI_BASE_URL (e.g. http://127.0.0.1:5000/v1), OPENAI_API_KEY.
// Exits 0 when every check passes, 1 otherwise; prints one line per check and a summary.
import OpenAI, { toFile } from 'openai';
import { readFileSync } from 'node:fs';
import { check, assert, rejection, finish, isMp4, png } from '../check-kit.mjs';

const sdkVersion = JSON.parse(readFileSync(new URL('./node_modules/openai/package.json', import.meta.url), 'utf8')).version;

const client = new OpenAI({ maxRetries: 2, timeout: 30_000 });
const created = [];
const BLUE = [40, 120, 200]; // the colour of every PNG sent, so that input_reference matches `size` exactly

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
  assert(isMp4(mp4), 'not an MP4 (no ftyp box)');
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
    input_reference: await toFile(png(720, 1280, BLUE), 'first.png', { type: 'image/png' }),
    characters: [{ id: character.id }],
  }));
  assert(done.size === '720x1280' && done.seconds === '4', JSON.stringify(done));
});

await check('create with input_reference[image_url] data URL (sora-2-pro 1792x1024)', async () => {
  const url = `data:image/png;base64,${png(1792, 1024, BLUE).toString('base64')}`;
  await completed(await client.videos.create({
    prompt: 'Wide shot of the harbour', model: 'sora-2-pro', size: '1792x1024', seconds: '4', input_reference: { image_url: url },
  }));
});

await check('create rejects a mismatched input_reference (400, param input_reference)', async () => {
  const small = await toFile(png(64, 64, BLUE), 'small.png', { type: 'image/png' });
  const error = await rejection(() => client.videos.create({ prompt: 'x', size: '1280x720', input_reference: small }));
  assert(error instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${error}`);
  assert(error.param === 'input_reference', `param ${error.param}`);
});

await check('create rejects sora-2 with 1792x1024 (400, param size)', async () => {
  const error = await rejection(() => client.videos.create({ prompt: 'x', model: 'sora-2', size: '1792x1024' }));
  assert(error instanceof OpenAI.BadRequestError && error.param === 'size', `got ${error}`);
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
  const error = await rejection(() => client.videos.retrieve(created[0]), 'deleted video still retrievable');
  assert(error instanceof OpenAI.NotFoundError, `expected NotFoundError, got ${error}`);
});

finish(({ passed, total }) => `\n${passed}/${total} checks passed against ${client.baseURL} with openai-node ${sdkVersion}`);
