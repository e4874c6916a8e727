import { describe, expect, it } from '@jest/globals';
import { RealtimeProtocolError } from './protocol/realtime-error.js';
import { applySessionUpdate, betaSession, gaSession, OPENAI_VAD, type SessionConfig } from './session-config.js';

const base: SessionConfig = {
  id: 'sess_1',
  type: 'transcription',
  encoding: 'pcm16',
  rate: 24000,
  model: 'm',
  language: 'en',
  prompt: '',
  turnDetection: { ...OPENAI_VAD },
  noiseReduction: null,
  include: [],
};
const any = () => true;

describe('applySessionUpdate', () => {
  it('reads the beta flat fields and changes only what is present', () => {
    const { config, unsupported } = applySessionUpdate(base, { input_audio_format: 'g711_alaw', turn_detection: { silence_duration_ms: 800 } }, any);
    expect(config).toMatchObject({ encoding: 'g711_alaw', rate: 8000, model: 'm', turnDetection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 800 } });
    expect(unsupported).toEqual([]);
    expect(base.encoding).toBe('pcm16');
  });

  it('reads the GA shape, including a null turn_detection', () => {
    const { config } = applySessionUpdate(base, { type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: 16000 }, turn_detection: null } } }, any);
    expect(config).toMatchObject({ encoding: 'pcm16', rate: 16000, turnDetection: null });
    expect(gaSession(config).audio.input).toMatchObject({ format: { type: 'audio/pcm', rate: 16000 }, turn_detection: null });
    expect(betaSession(config)).toMatchObject({ input_audio_format: 'pcm16', input_audio_sample_rate: 16000, turn_detection: null });
  });

  it('accepts what it cannot do and lists it', () => {
    const { unsupported, config } = applySessionUpdate(
      base,
      { input_audio_noise_reduction: { type: 'far_field' }, turn_detection: { type: 'semantic_vad', eagerness: 'high' }, include: ['item.input_audio_transcription.logprobs'], modalities: ['text'] },
      any,
    );
    expect(unsupported.sort()).toEqual(['session.include', 'session.input_audio_noise_reduction', 'session.modalities', 'session.turn_detection.eagerness', 'session.turn_detection.type'].sort());
    expect(config.turnDetection?.type).toBe('server_vad');
  });

  it.each([
    [{ input_audio_format: 'mp3' }, 'session.input_audio_format'],
    [{ input_audio_sample_rate: 44 }, 'session.input_audio_sample_rate'],
    [{ turn_detection: { threshold: 'high' } }, 'session.turn_detection.threshold'],
    [{ turn_detection: { prefix_padding_ms: -1 } }, 'session.turn_detection.prefix_padding_ms'],
    [{ turn_detection: 'on' }, 'session.turn_detection'],
    [{ input_audio_transcription: { language: 'de' } }, 'session.input_audio_transcription.language'],
    [{ input_audio_transcription: { prompt: 7 } }, 'session.input_audio_transcription.prompt'],
    [{ include: 'all' }, 'session.include'],
    [{ type: 'conversation' }, 'session.type'],
    [{ audio: { input: { format: { type: 'audio/pcm', rate: 1e6 } } } }, 'session.audio.input.format.rate'],
    [{ audio: { input: { format: 'pcm16' } } }, 'session.audio.input.format'],
  ])('rejects %j naming %s, leaving the session unchanged', (update, param) => {
    let error: unknown;
    try {
      applySessionUpdate(base, update as Record<string, unknown>, any);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RealtimeProtocolError);
    expect((error as RealtimeProtocolError).param).toBe(param);
  });

  it('rejects a model the server does not serve when it is strict', () => {
    expect(() => applySessionUpdate(base, { input_audio_transcription: { model: 'whisper-1' } }, (id) => id === 'm')).toThrow(/not served/);
  });
});
