import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { wordErrors } from '../src/asr/word-error-rate.js';
import { locateFfmpeg } from '../src/audio/ffmpeg-binary.js';
import { EMBEDDED_MODEL_DIR } from '../src/common/project-paths.js';
import { startApp, type RunningApp } from './helpers/app.js';
import { decodeFixture, FIXTURES, withSilences } from './helpers/audio.js';
import { pcm16Base64, RealtimeClient, type RealtimeEvent } from './helpers/realtime-client.js';
import { startServer } from './helpers/server-process.js';

const SPEECH = 'the quick brown fox jumps over the lazy dog while seven birds sing';
const SENTENCE_1 = 'please remember to bring the blue folder to the meeting on monday morning';
const SENTENCE_2 = 'the weather today is cold and windy with a chance of rain in the evening';
/** long.opus: sentence 1 ends at 3.94 s, sentence 2 runs 4.95–9.29 s (ffmpeg silencedetect). */
const longAt = (rate: number) => decodeFixture('audio/long.opus', rate);

const errorsIn = (reference: string, text: string) => wordErrors(reference, text).errors;
const MANUAL = { type: 'transcription_session.update', session: { turn_detection: null } };

/** Every client a test opens, closed after it whether it passed or not (sessions count against the limit). */
const clients: RealtimeClient[] = [];
async function connect(...args: Parameters<typeof RealtimeClient.connect>): Promise<RealtimeClient> {
  const c = await RealtimeClient.connect(...args);
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await new Promise((r) => setTimeout(r, 50));
});

/** No answer may carry internals: paths, stack frames. */
function expectCleanError(event: RealtimeEvent, code: string, eventId: string | null = null) {
  expect(event.error).toEqual({ type: expect.any(String), code, message: expect.any(String), param: event.error.param ?? null, event_id: eventId });
  expect(event.error.message).not.toMatch(/\/work|\/src\/|\bat .+:\d+|node_modules/);
}

describe('realtime transcription over WebSocket (/v1/realtime)', () => {
  let server: RunningApp;
  let speech16k: Float32Array;
  beforeAll(async () => {
    server = await startApp({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR, PARAKEET_REALTIME_MAX_BUFFER_S: '12', PARAKEET_REALTIME_MAX_SESSIONS: '3' });
    speech16k = decodeFixture('audio/speech.wav', 16000);
  });
  afterAll(() => server.close());

  it('answers the reference flow: PCM16 at 16 kHz, response.create → output_text deltas → response.completed → response.done', async () => {
    const c = await connect(server.url, { path: '/v1/realtime' });
    const created = await c.next('session.created');
    expect(created.session).toMatchObject({ type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 16000 }, turn_detection: null } } });
    await c.appendPcm(speech16k, 16000, 200);
    c.send({ type: 'response.create', event_id: 'r1' });
    const done = await c.next('response.done');
    const types = c.events.map((e) => e.type);
    const order = ['input_audio_buffer.committed', 'response.created', 'response.output_text.delta', 'response.output_text.done', 'response.completed', 'response.done'];
    expect(order.map((t) => types.indexOf(t))).toEqual([...order.map((t) => types.indexOf(t))].sort((a, b) => a - b));
    expect(types).not.toContain('error');
    const text = c.of('response.output_text.done')[0].text as string;
    expect(c.of('response.output_text.delta').map((e) => e.delta).join('')).toBe(text);
    expect(errorsIn(SPEECH, text)).toBeLessThanOrEqual(2);
    expect(done.response).toMatchObject({ status: 'completed', output: [{ role: 'assistant', content: [{ type: 'text', text }] }] });
    await c.close();
  });

  it('runs the beta transcription session with manual commits at 24 kHz, items chained by previous_item_id', async () => {
    const c = await connect(server.url, { headers: { 'OpenAI-Beta': 'realtime=v1' } });
    const created = await c.next('transcription_session.created');
    expect(created.session).toMatchObject({
      object: 'realtime.transcription_session',
      input_audio_format: 'pcm16',
      turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 },
    });
    c.send({ ...MANUAL, session: { turn_detection: null, input_audio_noise_reduction: { type: 'near_field' } } });
    const updated = await c.next('transcription_session.updated');
    expect(updated.session.turn_detection).toBeNull();
    expect(updated.unsupported).toEqual(['session.input_audio_noise_reduction']);

    await c.appendPcm(decodeFixture('audio/speech.wav', 24000), 24000, 100);
    c.send({ type: 'input_audio_buffer.commit' });
    const first = await c.next('conversation.item.input_audio_transcription.completed');
    const committed = c.of('input_audio_buffer.committed')[0];
    expect(committed).toMatchObject({ previous_item_id: null, item_id: first.item_id });
    expect(c.of('conversation.item.created')[0].item).toMatchObject({ id: first.item_id, type: 'message', role: 'user' });
    expect(errorsIn(SPEECH, first.transcript)).toBeLessThanOrEqual(2);
    expect(first.usage).toEqual({ type: 'duration', seconds: expect.closeTo(4.69, 1) });
    const deltas = c.of('conversation.item.input_audio_transcription.delta').filter((d) => d.item_id === first.item_id);
    expect(deltas.map((d) => d.delta).join('')).toBe(first.transcript);

    await c.appendPcm(longAt(24000).subarray(0, 4.4 * 24000), 24000, 100);
    c.send({ type: 'input_audio_buffer.commit' });
    const second = await c.next('conversation.item.input_audio_transcription.completed', (e) => e.item_id !== first.item_id);
    expect(c.of('input_audio_buffer.committed')[1]).toMatchObject({ previous_item_id: first.item_id, item_id: second.item_id });
    expect(errorsIn(SENTENCE_1, second.transcript)).toBeLessThanOrEqual(3);
    await c.close();
  });

  it('runs the GA transcription session: session.created, a GA session.update, and G.711 µ-law input', async () => {
    const c = await connect(server.url);
    const created = await c.next('session.created');
    expect(created.session).toMatchObject({ type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: { type: 'server_vad' } } } });
    c.send({ type: 'session.update', session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcmu' }, turn_detection: null, transcription: { model: 'whisper-1', language: 'en' } } } } });
    const updated = await c.next('session.updated');
    expect(updated.session.audio.input).toMatchObject({ format: { type: 'audio/pcmu' }, turn_detection: null, transcription: { model: 'whisper-1', language: 'en' } });
    const ulaw = execFileSync(locateFfmpeg(undefined).path, ['-v', 'error', '-i', join(FIXTURES, 'audio/speech.wav'), '-ar', '8000', '-ac', '1', '-f', 'mulaw', 'pipe:1']);
    for (let i = 0; i < ulaw.length; i += 1600) c.send({ type: 'input_audio_buffer.append', audio: ulaw.subarray(i, i + 1600).toString('base64') });
    c.send({ type: 'input_audio_buffer.commit' });
    const done = await c.next('conversation.item.input_audio_transcription.completed');
    expect(errorsIn(SPEECH, done.transcript)).toBeLessThanOrEqual(3);
    await c.close();
  });

  it('finds two utterances a second apart with server VAD and answers them in order', async () => {
    const c = await connect(server.url);
    await c.next('session.created');
    const audio = withSilences([longAt(24000).subarray(0, Math.round(9.6 * 24000))], 0.6, 24000);
    await c.appendPcm(audio, 24000, 100);
    const first = await c.next('conversation.item.input_audio_transcription.completed');
    const second = await c.next('conversation.item.input_audio_transcription.completed', (e) => e.item_id !== first.item_id);
    const committed = c.of('input_audio_buffer.committed').map((e) => e.item_id);
    expect(committed).toEqual([first.item_id, second.item_id]);
    for (const [k, item] of [first.item_id, second.item_id].entries()) {
      const started = c.events.findIndex((e) => e.type === 'input_audio_buffer.speech_started' && e.item_id === item);
      const stopped = c.events.findIndex((e) => e.type === 'input_audio_buffer.speech_stopped' && e.item_id === item);
      const done = c.events.findIndex((e) => e.type === 'conversation.item.input_audio_transcription.completed' && e.item_id === item);
      expect(started).toBeGreaterThanOrEqual(0);
      expect([started < stopped, stopped < done]).toEqual([true, true]);
      // Speech: 0.6–4.54 s and 5.55–9.89 s of the stream; starts include 300 ms of prefix padding.
      const [speechStart, speechEnd] = k === 0 ? [600, 4540] : [5550, 9890];
      expect(Math.abs(c.events[started].audio_start_ms - (speechStart - 300))).toBeLessThanOrEqual(350);
      expect(Math.abs(c.events[stopped].audio_end_ms - speechEnd)).toBeLessThanOrEqual(400);
    }
    expect(c.events.findIndex((e) => e.item_id === first.item_id && e.type.endsWith('completed'))).toBeLessThan(
      c.events.findIndex((e) => e.item_id === second.item_id && e.type.endsWith('completed')),
    );
    expect(errorsIn(SENTENCE_1, first.transcript)).toBeLessThanOrEqual(3);
    expect(errorsIn(SENTENCE_2, second.transcript)).toBeLessThanOrEqual(3);
    await c.close();
  });

  it('sends live partial deltas while a long utterance is still being spoken', async () => {
    const c = await connect(server.url);
    await c.next('session.created');
    c.send({ type: 'session.update', session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: 16000 } } } } });
    await c.next('session.updated');
    // Two sentences 0.15 s apart: one turn of about 8.5 s, streamed at real time.
    const long = longAt(16000);
    const utterance = withSilences([long.subarray(0, Math.round(3.94 * 16000)), long.subarray(Math.round(4.95 * 16000), Math.round(9.29 * 16000))], 0.15);
    await c.appendPcm(withSilences([utterance], 0.8), 16000, 100, true);
    const done = await c.next('conversation.item.input_audio_transcription.completed');
    const stopped = c.of('input_audio_buffer.speech_stopped').find((e) => e.item_id === done.item_id)!;
    const deltas = c.of('conversation.item.input_audio_transcription.delta').filter((e) => e.item_id === done.item_id);
    expect(c.of('input_audio_buffer.speech_stopped')).toHaveLength(1);
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(deltas[0].at).toBeLessThan(stopped.at - 2000);
    expect(errorsIn(`${SENTENCE_1} ${SENTENCE_2}`, done.transcript)).toBeLessThanOrEqual(5);
    await c.close();
  });

  it('answers each bad event with an error event naming it, and stays usable', async () => {
    const c = await connect(server.url);
    await c.next('session.created');
    c.send(MANUAL);
    await c.next('transcription_session.updated');
    let seen = c.events.length;
    const expectError = async (code: string, eventId: string | null = null, param?: string) => {
      const e = await c.next('error', () => true, 10000, seen);
      seen = c.events.indexOf(e) + 1;
      expectCleanError(e, code, eventId);
      if (param) expect(e.error.param).toBe(param);
    };
    c.ws.send('{ not json');
    await expectError('invalid_json');
    c.send({ type: 'conversation.item.create', event_id: 'e1' });
    await expectError('unknown_event_type', 'e1', 'type');
    c.send({ type: 'input_audio_buffer.append', audio: 'AAA!AAA=', event_id: 'e2' });
    await expectError('invalid_audio', 'e2');
    c.send({ type: 'input_audio_buffer.append', audio: Buffer.from([1, 2, 3]).toString('base64') });
    await expectError('invalid_audio_length');
    c.ws.send(Buffer.from([0, 1, 2, 3]), { binary: true });
    await expectError('binary_frame_unsupported');
    c.send({ type: 'input_audio_buffer.commit', event_id: 'e3' });
    await expectError('input_audio_buffer_commit_empty', 'e3');
    c.send({ type: 'input_audio_buffer.append', audio: pcm16Base64(new Float32Array(800)) });
    c.send({ type: 'input_audio_buffer.commit' });
    await expectError('input_audio_buffer_commit_empty');
    c.send({ type: 'session.update', session: { turn_detection: { type: 'server_vad', threshold: 7 } } });
    await expectError('invalid_value', null, 'session.turn_detection.threshold');
    c.send({ type: 'session.update', session: { input_audio_transcription: { language: 'fr' } } });
    await expectError('unsupported_language', null, 'session.input_audio_transcription.language');
    c.send({ type: 'session.update', session: { input_audio_format: 'mp3' } });
    await expectError('invalid_value', null, 'session.input_audio_format');
    c.send({ type: 'input_audio_buffer.append', audio: 'x'.repeat(8), event_id: { nested: true } });
    await expectError('invalid_value', null, 'event_id');
    c.send({ type: 'input_audio_buffer.clear' });
    await c.next('input_audio_buffer.cleared');
    await c.appendPcm(new Float32Array(24000 * 13), 24000, 1000);
    await expectError('input_audio_buffer_too_large', null, 'audio');

    c.send({ type: 'input_audio_buffer.clear' });
    await c.appendPcm(decodeFixture('audio/speech.wav', 24000), 24000, 250);
    c.send({ type: 'input_audio_buffer.commit' });
    const done = await c.next('conversation.item.input_audio_transcription.completed');
    expect(errorsIn(SPEECH, done.transcript)).toBeLessThanOrEqual(2);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    await c.close();
  });

  it('refuses a session over PARAKEET_REALTIME_MAX_SESSIONS with an error event and close 1013', async () => {
    const open = await Promise.all([0, 1, 2].map(() => connect(server.url)));
    await Promise.all(open.map((c) => c.next('session.created')));
    const extra = await connect(server.url);
    expectCleanError(await extra.next('error'), 'session_limit_reached');
    expect((await extra.closed).code).toBe(1013);
    await open[0].close();
    await new Promise((r) => setTimeout(r, 100));
    const again = await connect(server.url);
    await again.next('session.created');
    await Promise.all([again, open[1], open[2]].map((c) => c.close()));
  });
});

describe('realtime auth and socket limits', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({
      PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR,
      PARAKEET_API_KEYS: 'key-one,key-two',
      PARAKEET_REALTIME_IDLE_S: '1.5',
      PARAKEET_REALTIME_MAX_MESSAGE_MB: '0.05',
      PARAKEET_REALTIME_SEND_BUFFER_MB: '0.05',
    });
  });
  afterAll(() => server.close());

  it('takes the key as a Bearer header, a subprotocol (answered as `realtime`) or ?api_key=, and refuses others with 1008', async () => {
    const header = await connect(server.url, { headers: { Authorization: 'Bearer key-one' } });
    await header.next('session.created');
    const browser = await connect(server.url, { protocols: ['realtime', 'openai-insecure-api-key.key-two', 'openai-beta.realtime-v1'] });
    expect(browser.ws.protocol).toBe('realtime');
    await browser.next('transcription_session.created');
    const query = await connect(server.url, { path: '/v1/realtime?intent=transcription&api_key=key-two' });
    await query.next('session.created');
    await Promise.all([header, browser, query].map((c) => c.close()));

    for (const [options, code] of [
      [{}, 'missing_api_key'],
      [{ headers: { Authorization: 'Bearer key-three' } }, 'invalid_api_key'],
      [{ protocols: ['realtime', 'openai-insecure-api-key.nope'] }, 'invalid_api_key'],
    ] as const) {
      const c = await connect(server.url, options);
      expectCleanError(await c.next('error'), code);
      expect((await c.closed).code).toBe(1008);
      expect(c.of('session.created')).toHaveLength(0);
    }
  });

  it('closes an idle session (1000), an oversized message (1009) and a client that stops reading (1008)', async () => {
    const auth = { headers: { Authorization: 'Bearer key-one' } };
    const idle = await connect(server.url, auth);
    await idle.next('session.created');
    expect(await idle.closed).toEqual({ code: 1000, reason: 'idle timeout' });

    const big = await connect(server.url, auth);
    await big.next('session.created');
    big.send({ type: 'input_audio_buffer.append', audio: 'A'.repeat(80_000) });
    expect((await big.closed).code).toBe(1009);

    const slow = await connect(server.url, auth);
    await slow.next('session.created');
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const flood = JSON.stringify({ type: 'no.such.event', event_id: 'x'.repeat(500) });
    for (let i = 0; i < 20000; i++) slow.ws.send(flood);
    await new Promise((r) => setTimeout(r, 1500));
    socket.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/slow reader/);
  });
});

describe('realtime shutdown', () => {
  it('finishes a committed turn on SIGTERM, then closes with 1001', async () => {
    const proc = startServer({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR, PARAKEET_USE_TENSORRT: '0' });
    const url = await proc.url;
    for (let i = 0; i < 200; i++) {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const c = await connect(url, { path: '/v1/realtime' });
    await c.next('session.created');
    await c.appendPcm(decodeFixture('audio/speech.wav', 16000), 16000, 500);
    c.send({ type: 'input_audio_buffer.commit' });
    await c.next('input_audio_buffer.committed');
    proc.child.kill('SIGTERM');
    const done = await c.next('conversation.item.input_audio_transcription.completed');
    expect(errorsIn(SPEECH, done.transcript)).toBeLessThanOrEqual(2);
    expect((await c.closed).code).toBe(1001);
    expect((await proc.exit).code).toBe(0);
  });
});
