// Live microphone transcription over /v1/realtime (OpenAI Realtime, GA transcription session, server VAD).
// Microphone → AudioWorklet (capture-worklet.js, PCM16 mono at the context's rate) → base64
// input_audio_buffer.append. Deltas are shown as provisional text; each turn's `completed` transcript replaces them.

const EVENT = {
  delta: 'conversation.item.input_audio_transcription.delta',
  completed: 'conversation.item.input_audio_transcription.completed',
  failed: 'conversation.item.input_audio_transcription.failed',
};
/** OpenAI's default rate for transcription sessions; the server accepts 8000–48000 Hz through session.update. */
const PREFERRED_RATE = 24000;
/** How long Stop waits for the last turn's transcript before closing the socket. */
const FINISH_TIMEOUT_MS = 15000;
/** Audio is dropped, not queued without end, when the socket cannot keep up. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export function realtimeUrl(location) {
  const url = new URL('/v1/realtime?intent=transcription', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

function base64(buffer) {
  const bytes = new Uint8Array(buffer);
  if (typeof bytes.toBase64 === 'function') return bytes.toBase64();
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** 0 at -60 dBFS and below, 1 at full scale. */
function levelOf(rms) {
  const db = 20 * Math.log10(Math.max(rms, 1e-6));
  return Math.min(1, Math.max(0, (db + 60) / 60));
}

function microphoneError(e) {
  switch (e?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Microphone access was refused. Allow the microphone for this page in the browser and try again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found.';
    case 'NotReadableError':
      return 'The microphone is in use by another program or could not be opened.';
    default:
      return `The microphone could not be started: ${e?.message || e}`;
  }
}

export class LiveTranscription {
  /** @param {{button: HTMLButtonElement, meter: HTMLMeterElement, state: HTMLElement, error: HTMLElement, transcript: HTMLOListElement, apiKey: () => string}} ui */
  constructor(ui) {
    this.ui = ui;
    this.running = false;
    this.lines = new Map();
    ui.button.addEventListener('click', () => (this.running ? this.stop() : this.start()));
  }

  async start() {
    const { ui } = this;
    this.clearError();
    if (!navigator.mediaDevices?.getUserMedia) {
      return this.fail('This browser does not offer the microphone to this page: browsers allow it only on https:// or http://localhost.');
    }
    if (typeof AudioWorkletNode === 'undefined') return this.fail('This browser has no AudioWorklet, which the page needs to capture audio.');
    this.running = true;
    this.pending = new Set();
    this.openTurn = null;
    this.stopping = false;
    this.setButton('Stop microphone', true);
    this.setState('starting', 'waiting for the microphone…');
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false } });
    } catch (e) {
      return this.fail(microphoneError(e));
    }
    if (!this.running) return this.releaseAudio();
    try {
      await this.startAudio();
    } catch (e) {
      return this.fail(`Audio capture could not start: ${e?.message || e}`);
    }
    if (!this.running) return this.releaseAudio();
    this.connect();
  }

  async startAudio() {
    let context;
    try {
      context = new AudioContext({ sampleRate: PREFERRED_RATE, latencyHint: 'interactive' });
    } catch {
      context = new AudioContext({ latencyHint: 'interactive' }); // the server is told this rate in session.update
    }
    this.context = context;
    await context.audioWorklet.addModule('/web/capture-worklet.js');
    const source = context.createMediaStreamSource(this.stream);
    const capture = new AudioWorkletNode(context, 'pcm16-capture', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
    capture.port.onmessage = (e) => this.onChunk(e.data);
    // A silent path to the output keeps the graph pulling the worklet in every browser, without echoing the microphone.
    source.connect(capture).connect(new GainNode(context, { gain: 0 })).connect(context.destination);
    await context.resume();
  }

  connect() {
    const key = this.ui.apiKey();
    const protocols = key ? ['realtime', `openai-insecure-api-key.${key}`] : ['realtime'];
    let ws;
    try {
      ws = new WebSocket(realtimeUrl(location), protocols);
    } catch (e) {
      return this.fail(e?.name === 'SyntaxError' ? 'This API key has characters a WebSocket subprotocol cannot carry.' : `Could not open the socket: ${e?.message || e}`);
    }
    this.ws = ws;
    this.setState('connecting', 'connecting…');
    ws.onopen = () => {
      this.setState('connected', 'connected, starting the session…');
      const rate = this.context.sampleRate;
      ws.send(JSON.stringify({ type: 'session.update', session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate } } } } }));
    };
    ws.onmessage = (m) => {
      let event;
      try {
        event = JSON.parse(m.data);
      } catch {
        return this.showError('The server sent a message that is not JSON.');
      }
      this.onEvent(event);
    };
    ws.onclose = (e) => this.onClose(ws, e);
  }

  onEvent(event) {
    switch (event.type) {
      case 'session.created':
      case 'session.updated': {
        const format = event.session?.audio?.input?.format;
        if (!this.stopping) this.setState('listening', `listening (PCM16 at ${format?.rate ?? '?'} Hz, server VAD)`);
        break;
      }
      case 'input_audio_buffer.speech_started':
        this.openTurn = event.item_id;
        this.line(event.item_id).classList.add('speaking');
        break;
      case 'input_audio_buffer.speech_stopped':
        this.openTurn = null;
        this.line(event.item_id).classList.remove('speaking');
        break;
      case 'input_audio_buffer.committed':
        this.pending.add(event.item_id);
        this.line(event.item_id).classList.remove('speaking');
        break;
      case EVENT.delta: {
        const provisional = this.line(event.item_id).querySelector('.provisional'); // gone once the turn is final
        if (provisional) provisional.textContent += event.delta;
        break;
      }
      case EVENT.completed:
        this.finishLine(event.item_id, event.transcript);
        break;
      case EVENT.failed:
        this.finishLine(event.item_id, null, event.error?.message ?? 'transcription failed');
        break;
      case 'error':
        this.showError(event.error?.message ?? 'The server reported an error.', event.error?.code);
        // A refused commit on Stop leaves nothing to wait for.
        if (this.stopping) this.pending.clear();
        break;
      default:
        break;
    }
    this.wake?.();
  }

  line(itemId) {
    let li = this.lines.get(itemId);
    if (!li) {
      li = document.createElement('li');
      li.className = 'turn';
      li.dataset.itemId = itemId;
      const final = document.createElement('span');
      final.className = 'final';
      const provisional = document.createElement('span');
      provisional.className = 'provisional';
      li.append(final, provisional);
      this.ui.transcript.append(li);
      this.lines.set(itemId, li);
    }
    return li;
  }

  finishLine(itemId, transcript, failure) {
    const li = this.line(itemId);
    li.classList.remove('speaking');
    li.querySelector('.provisional')?.remove();
    const final = li.querySelector('.final');
    if (failure) {
      li.classList.add('failed');
      final.textContent = `Not transcribed: ${failure}`;
    } else if (transcript.trim() === '') {
      li.classList.add('empty');
      final.textContent = '(no words recognised)';
    } else {
      final.textContent = transcript;
    }
    li.classList.add('done');
    this.pending.delete(itemId);
    if (this.openTurn === itemId) this.openTurn = null;
  }

  onChunk({ pcm, rms }) {
    this.ui.meter.value = levelOf(rms);
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.stopping) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return this.showError('The connection is too slow for live audio; some audio was dropped.');
    ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: base64(pcm) }));
  }

  /** Stop: the microphone goes off at once; a turn still being spoken is committed and its transcript awaited. */
  async stop() {
    if (!this.running || this.stopping) return;
    this.stopping = true;
    this.releaseAudio();
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      this.setState('stopping', 'finishing the last turn…');
      if (this.openTurn) {
        this.pending.add(this.openTurn);
        ws.send(JSON.stringify({ type: 'input_audio_buffer.commit' }));
      }
      const until = Date.now() + FINISH_TIMEOUT_MS;
      while (this.pending.size > 0 && ws.readyState === WebSocket.OPEN && Date.now() < until) {
        await new Promise((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 250);
        });
      }
      this.wake = null;
      ws.close(1000, 'client stopped');
    } else {
      ws?.close(); // still connecting: nothing was sent yet
    }
    this.finish('not connected');
  }

  onClose(ws, e) {
    if (ws !== this.ws) return;
    this.ws = null;
    if (this.stopping || !this.running) return;
    const reason = e.reason ? `: ${e.reason}` : '';
    // 1006 without a frame: the socket never opened or the connection dropped.
    const text = e.code === 1006 ? 'connection failed or was lost' : `closed by the server (code ${e.code}${reason})`;
    this.releaseAudio();
    this.finish(text, 'closed');
  }

  finish(stateText, state = 'idle') {
    this.running = false;
    this.stopping = false;
    this.setButton('Start microphone', false);
    this.setState(state, stateText);
    this.ui.meter.value = 0;
  }

  fail(message) {
    this.releaseAudio();
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close();
    this.ws = null;
    this.showError(message);
    this.finish('not connected', 'closed');
  }

  releaseAudio() {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.context?.close().catch(() => {});
    this.context = null;
  }

  setButton(label, pressed) {
    this.ui.button.textContent = label;
    this.ui.button.classList.toggle('recording', pressed);
  }

  setState(state, text) {
    this.ui.state.dataset.state = state;
    this.ui.state.textContent = text;
  }

  showError(message, code) {
    this.ui.error.hidden = false;
    this.ui.error.textContent = code ? `${message} (${code})` : message;
  }

  clearError() {
    this.ui.error.hidden = true;
    this.ui.error.textContent = '';
  }
}
