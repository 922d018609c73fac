// Drives the Veo routes of a Google-compatible server (the Reel emulator) with the official Google Gen AI Node SDK,
// on both the Gemini Developer API and Vertex AI.
// Env: REEL_GOOGLE_BASE_URL (the server root, e.g. http://127.0.0.1:5000), REEL_GOOGLE_API_KEY (the key / bearer token it
// accepts); not GOOGLE_API_KEY, which the SDK itself would pick up.
// Exits 0 when every check passes, 1 otherwise; prints one line per check and a summary.
import { GoogleGenAI, ApiError } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, assert, rejection, finish, isMp4, png } from '../check-kit.mjs';

const sdkVersion = JSON.parse(readFileSync(new URL('./node_modules/@google/genai/package.json', import.meta.url), 'utf8')).version;
const baseUrl = process.env.REEL_GOOGLE_BASE_URL;
const apiKey = process.env.REEL_GOOGLE_API_KEY;
if (!baseUrl || !apiKey) {
  console.log('REEL_GOOGLE_BASE_URL and REEL_GOOGLE_API_KEY must be set');
  process.exit(1);
}

const gemini = new GoogleGenAI({ apiKey, httpOptions: { baseUrl } });
const scratch = mkdtempSync(join(tmpdir(), 'reel-genai-'));

async function expectApiError(status, fn) {
  const error = await rejection(fn);
  assert(error instanceof ApiError, `expected ApiError, got ${error}`);
  assert(error.status === status, `expected status ${status}, got ${error.status}: ${error.message}`);
  return JSON.parse(error.message);
}

async function poll(ai, operation) {
  for (let i = 0; i < 400 && !operation.done; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    operation = await ai.operations.getVideosOperation({ operation });
  }
  assert(operation.done === true, `operation ${operation.name} never finished`);
  assert(!operation.error, `operation failed: ${JSON.stringify(operation.error)}`);
  return operation;
}

// The file id in a Gemini result uri (…/files/{id}:download?alt=media).
function fileIdOf(uri) {
  const match = /files\/([a-z0-9]+)/.exec(uri);
  assert(match, `no file id in ${uri}`);
  return match[1];
}

async function download(video, label) {
  const path = join(scratch, `${label}.mp4`);
  // files.download parses only https:// uris (the real host); against an http:// server it is given the file id.
  await gemini.files.download({ file: fileIdOf(video.uri), downloadPath: path });
  const bytes = readFileSync(path);
  assert(isMp4(bytes), `${label}: not an MP4 (${bytes.length} bytes)`);
  return bytes;
}

// ---------------------------------------------------------------- Gemini Developer API

const first = await check('gemini: text-to-video, poll until done, download the mp4', async () => {
  let operation = await gemini.models.generateVideos({
    model: 'veo-3.1-generate-preview',
    source: { prompt: 'A lighthouse at dawn, waves rolling in' },
    config: { aspectRatio: '16:9', durationSeconds: 8, negativePrompt: 'people', resolution: '720p', personGeneration: 'allow_all' },
  });
  assert(/^models\/veo-3\.1-generate-preview\/operations\/[a-z0-9]+$/.test(operation.name), `name ${operation.name}`);
  assert(!operation.done, 'done right away');
  operation = await poll(gemini, operation);
  const videos = operation.response?.generatedVideos ?? [];
  assert(videos.length === 1, `generatedVideos ${JSON.stringify(operation.response)}`);
  await download(videos[0].video, 'first');
  return videos[0].video;
});

await check('gemini: image-to-video (first frame as bytes), 9:16', async () => {
  const image = { imageBytes: png(72, 128).toString('base64'), mimeType: 'image/png' };
  const operation = await poll(gemini, await gemini.models.generateVideos({
    model: 'veo-3.1-fast-generate-preview',
    source: { prompt: 'The painting comes alive', image },
    config: { aspectRatio: '9:16', durationSeconds: 4 },
  }));
  await download(operation.response.generatedVideos[0].video, 'image');
});

await check('gemini: extension of the first result (video = its video)', async () => {
  assert(first, 'no first video');
  const operation = await poll(gemini, await gemini.models.generateVideos({
    model: 'veo-3.1-generate-preview',
    source: { prompt: 'The light turns on', video: first },
  }));
  const bytes = await download(operation.response.generatedVideos[0].video, 'extension');
  assert(bytes.length > 0, 'empty extension');
});

await check('gemini: the SDK refuses seed (Vertex only) before sending', async () => {
  const error = await rejection(() => gemini.models.generateVideos({ model: 'veo-3.1-generate-preview', source: { prompt: 'x' }, config: { seed: 3 } }));
  assert(/seed parameter is only supported/.test(String(error)), `got ${error}`);
});

await check('gemini: 1080p with 4 s is 400 INVALID_ARGUMENT', async () => {
  const body = await expectApiError(400, () => gemini.models.generateVideos({
    model: 'veo-3.1-generate-preview', source: { prompt: 'x' }, config: { resolution: '1080p', durationSeconds: 4 },
  }));
  assert(body.error.status === 'INVALID_ARGUMENT', JSON.stringify(body));
});

await check('gemini: unknown model is 404 NOT_FOUND', async () => {
  const body = await expectApiError(404, () => gemini.models.generateVideos({ model: 'veo-9', source: { prompt: 'x' } }));
  assert(body.error.status === 'NOT_FOUND' && body.error.message.includes('models/veo-9'), JSON.stringify(body));
});

await check('gemini: a wrong key is 400 API_KEY_INVALID', async () => {
  const wrong = new GoogleGenAI({ apiKey: apiKey + '-wrong', httpOptions: { baseUrl } });
  const body = await expectApiError(400, () => wrong.models.generateVideos({ model: 'veo-3.1-generate-preview', source: { prompt: 'x' } }));
  assert(body.error.details?.[0]?.reason === 'API_KEY_INVALID', JSON.stringify(body));
});

// ---------------------------------------------------------------- Vertex AI

// A fixed OAuth token instead of Application Default Credentials: the SDK asks the client for headers and
// gets `Authorization: Bearer <token>` without any network call.
function vertexClient(token) {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return new GoogleGenAI({
    vertexai: true,
    project: 'reel-emulator',
    location: 'us-central1',
    googleAuthOptions: { authClient },
    httpOptions: { baseUrl },
  });
}

const vertex = vertexClient(apiKey);

const kite = await check('vertex: generate (seed, generateAudio), fetchPredictOperation, inline mp4 bytes', async () => {
  let operation = await vertex.models.generateVideos({
    model: 'veo-3.1-generate-001',
    source: { prompt: 'A red kite over a beach' },
    config: { aspectRatio: '16:9', durationSeconds: 4, seed: 42, generateAudio: true, numberOfVideos: 2 },
  });
  assert(/^projects\/reel-emulator\/locations\/us-central1\/publishers\/google\/models\/veo-3\.1-generate-001\/operations\/[0-9a-f-]{36}$/.test(operation.name), `name ${operation.name}`);
  operation = await poll(vertex, operation);
  const videos = operation.response?.generatedVideos ?? [];
  assert(videos.length === 2, `generatedVideos ${videos.length}`);
  for (const v of videos) {
    assert(v.video.mimeType === 'video/mp4', `mimeType ${v.video.mimeType}`);
    assert(isMp4(Buffer.from(v.video.videoBytes, 'base64')), 'inline bytes are not an MP4');
  }
  return videos[0].video;
});

await check('vertex: extension of an inline result (video = its bytes) is 7 s longer', async () => {
  assert(kite, 'no vertex video');
  const operation = await poll(vertex, await vertex.models.generateVideos({
    model: 'veo-3.1-fast-generate-001',
    source: { prompt: 'The kite climbs', video: kite },
    config: { generateAudio: true },
  }));
  const bytes = Buffer.from(operation.response.generatedVideos[0].video.videoBytes, 'base64');
  assert(isMp4(bytes) && bytes.length > Buffer.from(kite.videoBytes, 'base64').length, 'extension is not a longer MP4');
});

await check('vertex express mode (API key, no project): generate and poll', async () => {
  const express = new GoogleGenAI({ vertexai: true, apiKey, httpOptions: { baseUrl } });
  let operation = await express.models.generateVideos({
    model: 'veo-2.0-generate-001',
    source: { prompt: 'Rain on a window' },
    config: { durationSeconds: 5 },
  });
  assert(operation.name.startsWith('publishers/google/models/veo-2.0-generate-001/operations/'), `name ${operation.name}`);
  operation = await poll(express, operation);
  assert(isMp4(Buffer.from(operation.response.generatedVideos[0].video.videoBytes, 'base64')), 'not an MP4');
});

await check('vertex: generateAudio missing on Veo 3 is 400', async () => {
  const body = await expectApiError(400, () => vertex.models.generateVideos({ model: 'veo-3.1-generate-001', source: { prompt: 'x' } }));
  assert(body.error.message.includes('generateAudio'), JSON.stringify(body));
});

await check('vertex: a wrong bearer token is 401 UNAUTHENTICATED', async () => {
  const body = await expectApiError(401, () => vertexClient('wrong-token').models.generateVideos({
    model: 'veo-3.1-generate-001', source: { prompt: 'x' }, config: { generateAudio: false },
  }));
  assert(body.error.status === 'UNAUTHENTICATED', JSON.stringify(body));
});

rmSync(scratch, { recursive: true, force: true });
finish(({ passed, total }) => `\n${passed}/${total} checks passed against ${baseUrl} with @google/genai ${sdkVersion}`);
