import { ApiError } from '../common/api-error.js';

/** Input that is not audio we can read: empty, truncated, corrupt, no audio track, refused format. */
export class AudioDecodeError extends ApiError {
  constructor(message: string, code = 'invalid_audio') {
    super(400, message, code, 'file');
    this.name = 'AudioDecodeError';
  }
}

export class AudioTooLongError extends ApiError {
  constructor(
    readonly seconds: number,
    readonly limit: number,
    setting = 'PARAKEET_MAX_AUDIO_SECONDS',
  ) {
    super(400, `The audio is ${seconds.toFixed(1)} s long; this server accepts at most ${limit} s (${setting}).`, 'audio_too_long', 'file');
    this.name = 'AudioTooLongError';
  }
}

export class UploadTooLargeError extends ApiError {
  constructor(limitBytes: number) {
    super(413, `The upload exceeds the limit of ${(limitBytes / 1048576).toFixed(1)} MiB (PARAKEET_MAX_UPLOAD_MB).`, 'file_too_large', 'file');
    this.name = 'UploadTooLargeError';
  }
}

export class DecodeTimeoutError extends ApiError {
  constructor(readonly seconds: number) {
    super(400, `Decoding the audio took longer than ${seconds} s (PARAKEET_DECODE_TIMEOUT_S); the file may be damaged.`, 'decode_timeout', 'file');
    this.name = 'DecodeTimeoutError';
  }
}

/** The request went away; nothing is answered, but everything it started is torn down. */
export class DecodeAbortedError extends Error {
  override name = 'DecodeAbortedError';
}
