// Drives reel emulator's Runway routes with the official Runway SDK (@runwayml/sdk 4.20.1): every create the SDK
// has for the models Reel uses, tasks.retrieve, waitForTaskOutput, delete, an ephemeral upload, and error shapes.
// Run by tests/Emulator.Tests/Compat/RunwayNodeSdkTests.cs with RUNWAYML_BASE_URL and RUNWAYML_API_SECRET set.
import RunwayML from '@runwayml/sdk';
import { toFile } from '@runwayml/sdk/uploads';
import { check, assert, rejection, finish, isMp4, png } from '../check-kit.mjs';

const client = new RunwayML({ baseURL: process.env.RUNWAYML_BASE_URL, apiKey: process.env.RUNWAYML_API_SECRET, maxRetries: 0 });
const image = `data:image/png;base64,${png(1280, 720).toString('base64')}`;
const settle = () => new Promise((r) => setTimeout(r, 400));

async function finished(id) {
  for (let i = 0; i < 100; i++) {
    const task = await client.tasks.retrieve(id);
    if (!['PENDING', 'THROTTLED', 'RUNNING'].includes(task.status)) return task;
    await settle();
  }
  throw new Error(`task ${id} never finished`);
}

const clip = await check('textToVideo.create gen4.5, tasks.retrieve until SUCCEEDED, the output downloads as MP4', async () => {
  const { id } = await client.textToVideo.create({ model: 'gen4.5', promptText: 'A fox in the snow', ratio: '1280:720', duration: 2, seed: 7 });
  const task = await finished(id);
  assert(task.status === 'SUCCEEDED', `status ${task.status}`);
  const bytes = Buffer.from(await (await fetch(task.output[0])).arrayBuffer());
  assert(isMp4(bytes), 'not an MP4');
  return bytes;
});

await check('textToVideo.create veo3.1 with audio and negativePrompt', async () => {
  const { id } = await client.textToVideo.create({ model: 'veo3.1', promptText: 'Rain on a tin roof', ratio: '1920:1080', duration: 4, audio: false, negativePrompt: 'text' });
  assert((await finished(id)).status === 'SUCCEEDED', 'not succeeded');
});

await check('imageToVideo.create gen4.5 (a URI) and veo3.1 (first and last frames)', async () => {
  const a = await client.imageToVideo.create({ model: 'gen4.5', promptImage: image, promptText: 'The frame comes alive', ratio: '1280:720', duration: 2 });
  const b = await client.imageToVideo.create({
    model: 'veo3.1_fast',
    promptImage: [{ uri: image, position: 'first' }, { uri: image, position: 'last' }],
    promptText: 'Dusk to night',
    ratio: '1280:720',
    duration: 4,
  });
  assert((await finished(a.id)).status === 'SUCCEEDED' && (await finished(b.id)).status === 'SUCCEEDED', 'not succeeded');
});

await check('uploads.createEphemeral then videoToVideo.create aleph2, waited with waitForTaskOutput', async () => {
  const { uri } = await client.uploads.createEphemeral({ file: await toFile(clip, 'clip.mp4', { type: 'video/mp4' }) });
  assert(uri.startsWith('runway://'), uri);
  const task = await client.videoToVideo.create({ model: 'aleph2', videoUri: uri, promptText: 'Make it snow' }).waitForTaskOutput({ timeout: 30000 });
  assert(task.status === 'SUCCEEDED' && task.output.length === 1, JSON.stringify(task));
});

await check('tasks.delete cancels a running task, then deletes it (404)', async () => {
  const { id } = await client.textToVideo.create({ model: 'gen4.5', promptText: 'A long shot', ratio: '720:1280', duration: 10 });
  await client.tasks.delete(id);
  const task = await client.tasks.retrieve(id);
  assert(['CANCELLED', 'SUCCEEDED'].includes(task.status), task.status);
  await client.tasks.delete(id);
  const gone = await rejection(() => client.tasks.retrieve(id));
  assert(gone instanceof RunwayML.NotFoundError, `${gone}`);
});

await check('a bad ratio is a BadRequestError with Runway\'s error body', async () => {
  const error = await rejection(() => client.textToVideo.create({ model: 'gen4.5', promptText: 'x', ratio: '1000:1000', duration: 5 }));
  assert(error instanceof RunwayML.BadRequestError, `${error}`);
  assert(typeof error.error?.error === 'string' && error.error.error.includes('ratio'), JSON.stringify(error.error));
});

await check('a wrong secret is an AuthenticationError', async () => {
  const wrong = new RunwayML({ baseURL: process.env.RUNWAYML_BASE_URL, apiKey: 'key_wrong', maxRetries: 0 });
  const error = await rejection(() => wrong.organization.retrieve());
  assert(error instanceof RunwayML.AuthenticationError, `${error}`);
});

await check('organization.retrieve answers with the secret', async () => {
  const org = await client.organization.retrieve();
  assert(typeof org.creditBalance === 'number', JSON.stringify(org));
});

finish(({ passed, total }) => `runway-node: ${passed}/${total} checks passed`);
