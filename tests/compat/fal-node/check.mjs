// Drives the fal queue API of a server (the Reel emulator) with the official fal client (@fal-ai/client).
// Env: FAL_BASE_URL (e.g. http://127.0.0.1:5000): every request the client makes to queue.fal.run, fal.run or the
// fal REST host (rest.fal.ai, storage uploads) is sent there instead; FAL_KEY: the key the server expects.
// Exits 0 when every check passes, 1 otherwise; prints one line per check and a summary.
import { createFalClient, ApiError, ValidationError } from '@fal-ai/client';
import { readFileSync } from 'node:fs';
import { check, assert, rejection, finish, isMp4, png } from '../check-kit.mjs';

const sdkVersion = JSON.parse(readFileSync(new URL('./node_modules/@fal-ai/client/package.json', import.meta.url), 'utf8')).version;
const base = (process.env.FAL_BASE_URL ?? '').replace(/\/$/, '');
if (!base) {
  console.log('FAIL  FAL_BASE_URL is not set');
  process.exit(1);
}

// Rewrites https://{queue.fal.run, fal.run, rest.fal.ai, …}/path to the emulator, keeping path and query.
const seen = new Set();
function redirect(request) {
  const url = new URL(request.url);
  if (/(^|\.)fal\.(run|ai)$/.test(url.hostname)) {
    seen.add(url.hostname);
    return Promise.resolve({ ...request, url: `${base}${url.pathname}${url.search}` });
  }
  return Promise.resolve(request);
}

function client(credentials) {
  return createFalClient({ credentials, requestMiddleware: redirect, retry: { maxRetries: 0 } });
}

const fal = client(process.env.FAL_KEY);
async function download(url) {
  const response = await fetch(url);
  assert(response.ok, `GET ${url} → ${response.status}`);
  assert(response.headers.get('content-type') === 'video/mp4', `content-type ${response.headers.get('content-type')}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  assert(isMp4(bytes), 'not an MP4 (no ftyp box)');
  return bytes;
}

function checkVideoOutput(data) {
  const v = data?.video;
  assert(v && typeof v.url === 'string' && v.url.startsWith(base), `video.url ${v?.url}`);
  assert(v.content_type === 'video/mp4' && typeof v.file_name === 'string' && v.file_size > 0, JSON.stringify(v));
}

// 1. submit → status (with logs) → result, on a sub-path endpoint (URLs drop the sub-path).
const submitted = await check('queue.submit fal-ai/veo3.1/fast (text-to-video)', async () => {
  const s = await fal.queue.submit('fal-ai/veo3.1/fast', { input: { prompt: 'A lighthouse at dawn', duration: '4s', seed: 42 } });
  assert(s.status === 'IN_QUEUE' && typeof s.request_id === 'string', JSON.stringify(s));
  assert(s.status_url === `${base}/fal-ai/veo3.1/requests/${s.request_id}/status`, `status_url ${s.status_url}`);
  assert(s.response_url === `${base}/fal-ai/veo3.1/requests/${s.request_id}`, `response_url ${s.response_url}`);
  assert(s.cancel_url === `${base}/fal-ai/veo3.1/requests/${s.request_id}/cancel`, `cancel_url ${s.cancel_url}`);
  assert(typeof s.queue_position === 'number', 'queue_position missing');
  return s;
});

await check('queue.status with logs until COMPLETED', async () => {
  const deadline = Date.now() + 30_000;
  let status;
  const seenStatuses = new Set();
  do {
    status = await fal.queue.status('fal-ai/veo3.1/fast', { requestId: submitted.request_id, logs: true });
    seenStatuses.add(status.status);
    assert(Array.isArray(status.logs), `logs ${JSON.stringify(status.logs)}`);
    if (status.status !== 'COMPLETED') await new Promise((r) => setTimeout(r, 20));
  } while (status.status !== 'COMPLETED' && Date.now() < deadline);
  assert(status.status === 'COMPLETED', `still ${status.status}`);
  assert(typeof status.metrics?.inference_time === 'number', `metrics ${JSON.stringify(status.metrics)}`);
  assert(status.logs.length > 0, 'no logs on a completed request');
});

const first = await check('queue.result (video + echoed seed) and the mp4 download', async () => {
  const result = await fal.queue.result('fal-ai/veo3.1/fast', { requestId: submitted.request_id });
  assert(result.requestId === submitted.request_id, `requestId ${result.requestId}`);
  checkVideoOutput(result.data);
  assert(result.data.seed === 42, `seed ${result.data.seed}`);
  await download(result.data.video.url);
  return result.data;
});

// 2. subscribe (submit + polling + result) for a text-to-video job.
await check('subscribe fal-ai/veo3.1 (text-to-video, 9:16, onQueueUpdate)', async () => {
  const updates = [];
  const result = await fal.subscribe('fal-ai/veo3.1', {
    input: { prompt: 'Rain over a neon street', aspect_ratio: '9:16', duration: '4s' },
    pollInterval: 25,
    logs: true,
    onQueueUpdate: (u) => updates.push(u.status),
  });
  checkVideoOutput(result.data);
  assert(Number.isInteger(result.data.seed), `seed ${result.data.seed}`);
  assert(updates.at(-1) === 'COMPLETED', `updates ${updates}`);
});

// 3. storage upload, then image-to-video with the uploaded file's URL.
const imageUrl = await check('storage.upload (initiate + PUT) of a PNG blob', async () => {
  const url = await fal.storage.upload(new Blob([png(1280, 720)], { type: 'image/png' }));
  assert(typeof url === 'string' && url.startsWith(`${base}/`), `file_url ${url}`);
  const response = await fetch(url);
  assert(response.ok && response.headers.get('content-type') === 'image/png', `GET file_url → ${response.status} ${response.headers.get('content-type')}`);
  return url;
});

await check('subscribe fal-ai/veo3.1/image-to-video with the uploaded image', async () => {
  const result = await fal.subscribe('fal-ai/veo3.1/image-to-video', {
    input: { prompt: 'The scene comes alive', image_url: imageUrl, duration: '4s' },
    pollInterval: 25,
  });
  checkVideoOutput(result.data);
});

await check('subscribe with a Blob in the input (the client uploads it first)', async () => {
  const result = await fal.subscribe('fal-ai/sora-2/image-to-video', {
    input: { prompt: 'A paper boat drifts', image_url: new Blob([png(720, 1280)], { type: 'image/png' }), duration: '4' },
    pollInterval: 25,
  });
  checkVideoOutput(result.data);
  assert(typeof result.data.video_id === 'string', `video_id ${result.data.video_id}`);
});

// 4. extend-video with the first result's url: the source plus 7 s.
await check('subscribe fal-ai/veo3.1/extend-video with the first result\'s url', async () => {
  const result = await fal.subscribe('fal-ai/veo3.1/extend-video', {
    input: { prompt: 'The camera keeps rising', video_url: first.video.url },
    pollInterval: 25,
  });
  checkVideoOutput(result.data);
  const bytes = await download(result.data.video.url);
  const source = await download(first.video.url);
  assert(bytes.length > source.length, `extension (${bytes.length} B) not longer than its source (${source.length} B)`);
});

// 5. cancel a queued request, then cancel a finished one.
await check('queue.cancel (queued → CANCELLATION_REQUESTED, then COMPLETED with an error)', async () => {
  const s = await fal.queue.submit('fal-ai/sora-2/text-to-video', { input: { prompt: 'A long journey', duration: '20' } });
  await fal.queue.cancel('fal-ai/sora-2/text-to-video', { requestId: s.request_id });
  const status = await fal.queue.status('fal-ai/sora-2/text-to-video', { requestId: s.request_id });
  assert(status.status === 'COMPLETED' && status.error_type === 'client_cancelled', JSON.stringify(status));
  const error = await rejection(() => fal.queue.result('fal-ai/sora-2/text-to-video', { requestId: s.request_id }), 'result of a cancelled request did not fail');
  assert(error instanceof ApiError && error.status === 499, `${error}`);
});

await check('queue.cancel of a completed request → 400 ALREADY_COMPLETED', async () => {
  const error = await rejection(() => fal.queue.cancel('fal-ai/veo3.1/fast', { requestId: submitted.request_id }), 'cancel of a completed request succeeded');
  assert(error instanceof ApiError && error.status === 400 && error.body?.status === 'ALREADY_COMPLETED', `${error} ${JSON.stringify(error.body)}`);
});

// 6. errors: validation (422, ValidationError.fieldErrors) and a wrong key (401).
await check('invalid input → ValidationError with field errors', async () => {
  const error = await rejection(() => fal.queue.submit('fal-ai/veo3.1', { input: { prompt: 'x', duration: '5s', resolution: '480p' } }), 'invalid input accepted');
  assert(error instanceof ValidationError && error.status === 422, `${error}`);
  assert(error.getFieldErrors('duration')[0]?.type === 'literal_error', JSON.stringify(error.body));
  assert(error.getFieldErrors('resolution').length === 1, JSON.stringify(error.body));
});

await check('wrong key → 401 ApiError', async () => {
  const error = await rejection(() => client('wrong-key').queue.submit('fal-ai/veo3.1', { input: { prompt: 'x' } }), 'wrong key accepted');
  assert(error instanceof ApiError && error.status === 401 && typeof error.body?.detail === 'string', `${error} ${JSON.stringify(error.body)}`);
});

await check('the client reached fal hosts only through the redirect', async () => {
  assert(seen.has('queue.fal.run') && seen.has('rest.fal.ai'), `hosts ${[...seen]}`);
});

finish(({ passed, failed }) => `@fal-ai/client ${sdkVersion}: ${passed} checks passed, ${failed} failed`);
