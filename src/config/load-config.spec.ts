import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '0.0.0.0',
      port: 8000,
      modelId: 'nemo-parakeet-tdt-0.6b-v2',
      fallbackModelId: 'istupakov/parakeet-tdt-0.6b-v2-onnx',
      queueMaxFactor: 2,
      maxQueueWaitS: 30,
      microbatchWindowMs: 10,
      microbatchMaxBatch: 8,
      maxAudioSeconds: 600,
      maxUploadMb: 64,
      useTensorrt: true,
      trtEngineCache: '/models/trt_cache',
      trtTimingCache: '/models/timing.cache',
      ortIntraOpNumThreads: 'auto',
      runnerLanes: 'auto',
      quantization: 'none',
      decoding: 'auto',
      beamSize: 4,
      lmWeight: 0.3,
      lmWordBonus: 2,
      lmUnkPenalty: -10,
    });
    expect(c.modelDir).toBeUndefined();
    expect(c.lmPath).toBeUndefined();
  });

  it('refuses a language model with greedy decoding, and takes one with beam search or none with greedy', () => {
    expect(() => loadConfig({ PARAKEET_DECODING: 'greedy', PARAKEET_LM_PATH: 'my.arpa' })).toThrow(/PARAKEET_LM_PATH="my.arpa" is invalid: a language model needs beam search/);
    expect(loadConfig({ PARAKEET_DECODING: 'beam', PARAKEET_LM_PATH: 'my.arpa' }).lmPath).toBe('my.arpa');
    expect(loadConfig({ PARAKEET_DECODING: 'greedy', PARAKEET_LM_PATH: 'none' }).decoding).toBe('greedy');
    expect(() => loadConfig({ PARAKEET_LM_UNK_PENALTY: '3' })).toThrow(ConfigError);
  });

  it('converts values and keeps an empty model dir distinct from an unset one', () => {
    const c = loadConfig({ PARAKEET_PORT: '0', PARAKEET_USE_TENSORRT: 'false', PARAKEET_MODEL_DIR: '', PARAKEET_QUEUE_MAX_FACTOR: '1.5' });
    expect(c.port).toBe(0);
    expect(c.useTensorrt).toBe(false);
    expect(c.modelDir).toBe('');
    expect(c.queueMaxFactor).toBe(1.5);
  });

  it('takes auto or a whole number for the lane layout', () => {
    expect(loadConfig({ PARAKEET_LANES: 'AUTO', ORT_INTRA_OP_NUM_THREADS: ' 3 ' })).toMatchObject({ runnerLanes: 'auto', ortIntraOpNumThreads: 3 });
  });

  it.each([
    ['PARAKEET_PORT', 'eighty'],
    ['PARAKEET_PORT', '70000'],
    ['PARAKEET_MICROBATCH_MAX_BATCH', '0'],
    ['PARAKEET_MICROBATCH_MAX_BATCH', '2.5'],
    ['PARAKEET_MAX_QUEUE_WAIT_S', 'soon'],
    ['PARAKEET_USE_TENSORRT', 'maybe'],
    ['PARAKEET_QUANTIZATION', 'fp4'],
    ['ORT_INTRA_OP_NUM_THREADS', '-1'],
    ['ORT_INTRA_OP_NUM_THREADS', 'automatic'],
    ['PARAKEET_LANES', '0'],
    ['PARAKEET_LANES', '1.5'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(1);
  });

  it('takes the TLS variables only in working combinations, naming the one that is set', () => {
    expect(loadConfig({ PARAKEET_TLS_CERT_FILE: 'c.pem', PARAKEET_TLS_KEY_FILE: 'k.pem', PARAKEET_TLS_CA_FILE: 'ca.pem' })).toMatchObject({ tlsCertFile: 'c.pem', tlsKeyFile: 'k.pem', tlsCaFile: 'ca.pem' });
    expect(loadConfig({ PARAKEET_TLS_SELF_SIGNED: 'parakeet.lan' }).tlsSelfSigned).toBe('parakeet.lan');
    expect(loadConfig({ PARAKEET_TLS_CERT_FILE: '', PARAKEET_TLS_KEY_FILE: '' }).tlsCertFile).toBe('');
    expect(() => loadConfig({ PARAKEET_TLS_CERT_FILE: 'c.pem' })).toThrow(/PARAKEET_TLS_CERT_FILE="c.pem" is invalid: PARAKEET_TLS_KEY_FILE must be set too/);
    expect(() => loadConfig({ PARAKEET_TLS_KEY_FILE: 'k.pem' })).toThrow(/PARAKEET_TLS_KEY_FILE="k.pem" is invalid: PARAKEET_TLS_CERT_FILE must be set too/);
    expect(() => loadConfig({ PARAKEET_TLS_CA_FILE: 'ca.pem' })).toThrow(/PARAKEET_TLS_CA_FILE="ca.pem" is invalid: it is only used with PARAKEET_TLS_CERT_FILE/);
    expect(() => loadConfig({ PARAKEET_TLS_CERT_FILE: 'c.pem', PARAKEET_TLS_KEY_FILE: 'k.pem', PARAKEET_TLS_SELF_SIGNED: 'auto' })).toThrow(/PARAKEET_TLS_SELF_SIGNED="auto" is invalid: choose either certificate files/);
  });
});
