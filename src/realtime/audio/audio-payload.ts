import { decodePcm16 } from '../../audio/pcm16.js';
import { RealtimeProtocolError } from '../protocol/realtime-error.js';
import type { AudioEncoding } from '../session-config.js';
import { ALAW_TABLE, ULAW_TABLE } from './g711.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The `audio` of an input_audio_buffer.append → samples at the session's input rate. Base64 is checked
 * strictly (Node's decoder silently skips junk, which would turn a client bug into noise in the transcript).
 */
export function decodeAudioPayload(audio: string, encoding: AudioEncoding): Float32Array {
  if (audio.length % 4 !== 0 || !BASE64.test(audio)) {
    throw new RealtimeProtocolError('invalid_audio', '"audio" is not valid base64 (standard alphabet, padded).', 'audio');
  }
  const bytes = Buffer.from(audio, 'base64');
  if (encoding !== 'pcm16') {
    const table = encoding === 'g711_ulaw' ? ULAW_TABLE : ALAW_TABLE;
    const out = new Float32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]];
    return out;
  }
  if (bytes.length % 2 !== 0) {
    throw new RealtimeProtocolError('invalid_audio_length', `pcm16 audio must be a whole number of 16-bit samples; got ${bytes.length} bytes.`, 'audio');
  }
  return decodePcm16(bytes);
}
