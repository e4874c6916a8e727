import { isEnglish } from '../common/language.js';
import { isObject } from './protocol/client-events.js';
import { RealtimeProtocolError } from './protocol/realtime-error.js';

export type AudioEncoding = 'pcm16' | 'g711_ulaw' | 'g711_alaw';

export interface ServerVad {
  type: 'server_vad';
  threshold: number;
  prefix_padding_ms: number;
  silence_duration_ms: number;
}

export interface SessionConfig {
  id: string;
  /** `transcription`: ?intent=transcription; `realtime`: the reference flow (response.create). */
  type: 'transcription' | 'realtime';
  encoding: AudioEncoding;
  rate: number;
  model: string;
  language: string | null;
  prompt: string;
  turnDetection: ServerVad | null;
  noiseReduction: { type: string } | null;
  include: string[];
}

export const OPENAI_VAD: ServerVad = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 };
const GA_FORMATS: Record<string, AudioEncoding> = { 'audio/pcm': 'pcm16', 'audio/pcmu': 'g711_ulaw', 'audio/pcma': 'g711_alaw' };
const GA_NAMES: Record<AudioEncoding, string> = { pcm16: 'audio/pcm', g711_ulaw: 'audio/pcmu', g711_alaw: 'audio/pcma' };

export interface UpdateResult {
  config: SessionConfig;
  /** Fields accepted but without effect here, as dotted paths (reported back in the updated event). */
  unsupported: string[];
}

/** True when a session object uses the GA shape (`type` / `audio.input`) rather than the beta flat fields. */
export const isGaShape = (session: Record<string, unknown>): boolean => 'audio' in session || 'type' in session;

/**
 * Applies a `session.update` / `transcription_session.update` payload. Validation comes first: an invalid value
 * rejects the whole update and leaves the session as it was.
 */
export function applySessionUpdate(current: SessionConfig, session: Record<string, unknown>, modelAllowed: (id: string) => boolean): UpdateResult {
  const next: SessionConfig = { ...current, turnDetection: current.turnDetection && { ...current.turnDetection }, include: [...current.include] };
  const unsupported: string[] = [];
  const ga = isGaShape(session);
  let input: Record<string, unknown> = session;
  let prefix = 'session';
  if (ga) {
    if (session.type !== undefined && session.type !== 'transcription' && session.type !== 'realtime') {
      throw new RealtimeProtocolError('invalid_value', 'session.type must be "transcription" or "realtime".', 'session.type');
    }
    const audio = session.audio;
    if (audio !== undefined && !(isObject(audio) && (audio.input === undefined || isObject(audio.input)))) {
      throw new RealtimeProtocolError('invalid_value', 'session.audio.input must be an object.', 'session.audio.input');
    }
    input = (isObject(audio) && isObject(audio.input) ? audio.input : {}) as Record<string, unknown>;
    prefix = 'session.audio.input';
    if (isObject(audio) && audio.output !== undefined) unsupported.push('session.audio.output');
    if ('format' in input) setGaFormat(next, input.format, `${prefix}.format`);
    if ('transcription' in input) setTranscription(next, input.transcription, `${prefix}.transcription`, modelAllowed);
    if ('noise_reduction' in input) setNoiseReduction(next, input.noise_reduction, `${prefix}.noise_reduction`, unsupported);
    for (const key of Object.keys(session)) if (!['type', 'audio', 'include'].includes(key)) unsupported.push(`session.${key}`);
  } else {
    if ('input_audio_format' in session) setBetaFormat(next, session.input_audio_format);
    if ('input_audio_transcription' in session) setTranscription(next, session.input_audio_transcription, 'session.input_audio_transcription', modelAllowed);
    if ('input_audio_noise_reduction' in session) setNoiseReduction(next, session.input_audio_noise_reduction, 'session.input_audio_noise_reduction', unsupported);
    const known = ['input_audio_format', 'input_audio_sample_rate', 'input_audio_transcription', 'turn_detection', 'input_audio_noise_reduction', 'include'];
    for (const key of Object.keys(session)) if (!known.includes(key)) unsupported.push(`session.${key}`);
  }
  const rate = ga ? undefined : session.input_audio_sample_rate;
  if (rate !== undefined) next.rate = checkRate(rate, 'session.input_audio_sample_rate');
  if (next.encoding !== 'pcm16') next.rate = 8000;
  if ('turn_detection' in input) next.turnDetection = parseTurnDetection(input.turn_detection, `${prefix}.turn_detection`, unsupported);
  if ('include' in session) {
    if (!Array.isArray(session.include) || !session.include.every((x) => typeof x === 'string')) {
      throw new RealtimeProtocolError('invalid_value', 'session.include must be an array of strings.', 'session.include');
    }
    next.include = session.include as string[];
    if (next.include.length) unsupported.push('session.include');
  }
  return { config: next, unsupported };
}

function checkRate(value: unknown, param: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 8000 || value > 48000) {
    throw new RealtimeProtocolError('invalid_value', `${param} must be an integer sample rate from 8000 to 48000.`, param);
  }
  return value;
}

function setBetaFormat(next: SessionConfig, value: unknown): void {
  if (value !== 'pcm16' && value !== 'g711_ulaw' && value !== 'g711_alaw') {
    throw new RealtimeProtocolError('invalid_value', 'session.input_audio_format must be "pcm16", "g711_ulaw" or "g711_alaw".', 'session.input_audio_format');
  }
  next.encoding = value;
}

function setGaFormat(next: SessionConfig, value: unknown, param: string): void {
  if (!isObject(value) || typeof value.type !== 'string' || !(value.type in GA_FORMATS)) {
    throw new RealtimeProtocolError('invalid_value', `${param} must be {"type": "audio/pcm", "rate": 24000}, {"type": "audio/pcmu"} or {"type": "audio/pcma"}.`, param);
  }
  next.encoding = GA_FORMATS[value.type];
  if (value.rate !== undefined) next.rate = checkRate(value.rate, `${param}.rate`);
}

function setTranscription(next: SessionConfig, value: unknown, param: string, modelAllowed: (id: string) => boolean): void {
  if (value === null) return;
  if (!isObject(value)) throw new RealtimeProtocolError('invalid_value', `${param} must be an object.`, param);
  if (value.model !== undefined) {
    if (typeof value.model !== 'string' || !value.model || !modelAllowed(value.model)) {
      throw new RealtimeProtocolError('invalid_value', `${param}.model: the model \`${String(value.model).slice(0, 64)}\` is not served here.`, `${param}.model`);
    }
    next.model = value.model;
  }
  if (value.language !== undefined && value.language !== null && value.language !== '') {
    if (typeof value.language !== 'string' || !isEnglish(value.language)) {
      throw new RealtimeProtocolError('unsupported_language', `${param}.language: this model transcribes English only (use "en").`, `${param}.language`);
    }
    next.language = value.language;
  } else if (value.language !== undefined) next.language = null;
  if (value.prompt !== undefined) {
    if (typeof value.prompt !== 'string') throw new RealtimeProtocolError('invalid_value', `${param}.prompt must be a string.`, `${param}.prompt`);
    next.prompt = value.prompt;
  }
}

function setNoiseReduction(next: SessionConfig, value: unknown, param: string, unsupported: string[]): void {
  if (value === null) {
    next.noiseReduction = null;
    return;
  }
  if (!isObject(value) || (value.type !== 'near_field' && value.type !== 'far_field')) {
    throw new RealtimeProtocolError('invalid_value', `${param} must be null or {"type": "near_field" | "far_field"}.`, param);
  }
  next.noiseReduction = { type: value.type };
  unsupported.push(param);
}

function parseTurnDetection(value: unknown, param: string, unsupported: string[]): ServerVad | null {
  if (value === null) return null;
  if (!isObject(value)) throw new RealtimeProtocolError('invalid_value', `${param} must be null or an object.`, param);
  const type = value.type ?? 'server_vad';
  if (type !== 'server_vad' && type !== 'semantic_vad') {
    throw new RealtimeProtocolError('invalid_value', `${param}.type must be "server_vad", "semantic_vad" or the whole field null.`, `${param}.type`);
  }
  if (type === 'semantic_vad') unsupported.push(`${param}.type`);
  const number = (key: string, min: number, max: number, fallback: number) => {
    const v = value[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new RealtimeProtocolError('invalid_value', `${param}.${key} must be a number from ${min} to ${max}.`, `${param}.${key}`);
    }
    return v;
  };
  for (const key of ['create_response', 'interrupt_response', 'idle_timeout_ms', 'eagerness']) if (value[key] !== undefined && value[key] !== null) unsupported.push(`${param}.${key}`);
  return {
    type: 'server_vad',
    threshold: number('threshold', 0, 1, OPENAI_VAD.threshold),
    prefix_padding_ms: number('prefix_padding_ms', 0, 5000, OPENAI_VAD.prefix_padding_ms),
    silence_duration_ms: number('silence_duration_ms', 0, 10000, OPENAI_VAD.silence_duration_ms),
  };
}

/** The session as beta events show it (`transcription_session.*`, or `session.*` for beta clients). */
export function betaSession(config: SessionConfig) {
  return {
    id: config.id,
    object: config.type === 'transcription' ? 'realtime.transcription_session' : 'realtime.session',
    input_audio_format: config.encoding,
    input_audio_sample_rate: config.rate,
    input_audio_transcription: { model: config.model, language: config.language, prompt: config.prompt },
    turn_detection: config.turnDetection,
    input_audio_noise_reduction: config.noiseReduction,
    include: config.include,
  };
}

/** The session as GA events show it (`session.created` / `session.updated`). */
export function gaSession(config: SessionConfig) {
  return {
    id: config.id,
    object: 'realtime.session',
    type: config.type,
    audio: {
      input: {
        format: config.encoding === 'pcm16' ? { type: GA_NAMES.pcm16, rate: config.rate } : { type: GA_NAMES[config.encoding] },
        noise_reduction: config.noiseReduction,
        transcription: { model: config.model, language: config.language, prompt: config.prompt },
        turn_detection: config.turnDetection,
      },
    },
    include: config.include,
    expires_at: 0,
  };
}
