// Entry point of the page at /: wires the API-key field, the live microphone and the file form.
import { setupApiKey } from './api-key.js';
import { FileTranscription } from './file-transcription.js';
import { LiveTranscription } from './live-transcription.js';
import { showModel } from './model-info.js';

const $ = (id) => document.getElementById(id);

const apiKey = setupApiKey($('api-key'), $('api-key-show'));

showModel($('model-info'), $('model-note'));

new LiveTranscription({
  button: $('mic-button'),
  meter: $('mic-level'),
  state: $('live-state'),
  error: $('live-error'),
  transcript: $('live-transcript'),
  apiKey,
});

new FileTranscription({
  form: $('file-form'),
  input: $('file-input'),
  submit: $('file-submit'),
  state: $('file-state'),
  error: $('file-error'),
  result: $('file-result'),
  text: $('file-text'),
  segments: $('file-segments'),
  audio: $('file-audio'),
  apiKey,
});

document.documentElement.dataset.ready = 'true';
