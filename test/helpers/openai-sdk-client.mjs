// The official `openai` SDK as a user runs it: a separate Node process, trusting the test CA only through
// NODE_EXTRA_CA_CERTS (read at process start, so it cannot be set inside Jest's process).
// Usage: node openai-sdk-client.mjs rest|realtime BASE_URL API_KEY AUDIO_FILE
// rest: AUDIO_FILE is any audio file; realtime: raw PCM16 mono at 24 kHz. Prints one JSON line: {"text": ...}.
import { createReadStream, readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';

const [mode, baseURL, apiKey, audioFile] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });

async function rest() {
  const result = await client.audio.transcriptions.create({ file: createReadStream(audioFile), model: 'whisper-1' });
  return { text: result.text };
}

/** A GA transcription session, configured with session.update, one manual commit, and its completed transcript. */
function realtime() {
  const pcm = readFileSync(audioFile);
  return new Promise((resolve, reject) => {
    const rt = new OpenAIRealtimeWS({ intent: 'transcription' }, client);
    const seen = [];
    rt.on('event', (e) => seen.push(e.type));
    rt.on('error', (e) => reject(new Error(`realtime error after ${seen.join(', ')}: ${e.message}`)));
    rt.socket.on('close', (code) => reject(new Error(`socket closed (${code}) after ${seen.join(', ')}`)));
    rt.on('session.created', () => {
      rt.send({ type: 'session.update', session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: null, transcription: { model: 'gpt-4o-transcribe', language: 'en' } } } } });
    });
    rt.on('session.updated', () => {
      for (let i = 0; i < pcm.length; i += 9600) rt.send({ type: 'input_audio_buffer.append', audio: pcm.subarray(i, i + 9600).toString('base64') });
      rt.send({ type: 'input_audio_buffer.commit' });
    });
    rt.on('conversation.item.input_audio_transcription.completed', (e) => {
      resolve({ text: e.transcript, url: rt.url.toString(), events: seen });
      rt.close();
    });
  });
}

try {
  const result = mode === 'rest' ? await rest() : await realtime();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (e) {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
}
