// File upload to POST /v1/audio/transcriptions (verbose_json with word and segment timestamps). Each segment is a
// button that plays its part of the chosen file from an object URL: seek to the start, pause at the end.

/** Seconds as `4.56`, or `1:02.30` from a minute on. */
export function formatTime(t) {
  if (t < 60) return t.toFixed(2);
  const m = Math.floor(t / 60);
  return `${m}:${(t - m * 60).toFixed(2).padStart(5, '0')}`;
}

function formatSize(bytes) {
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The server's own words for a failed request: OpenAI's `{error: {message}}`, else the status line and body. */
async function errorMessage(response) {
  const body = await response.text();
  try {
    const message = JSON.parse(body)?.error?.message;
    if (message) return `${message} (HTTP ${response.status})`;
  } catch {
    /* not JSON: fall through */
  }
  return `HTTP ${response.status} ${response.statusText}${body ? `: ${body.slice(0, 300)}` : ''}`;
}

export class FileTranscription {
  /** @param {{form: HTMLFormElement, input: HTMLInputElement, submit: HTMLButtonElement, state: HTMLElement, error: HTMLElement, result: HTMLElement, text: HTMLElement, segments: HTMLOListElement, audio: HTMLAudioElement, apiKey: () => string}} ui */
  constructor(ui) {
    this.ui = ui;
    this.objectUrl = null;
    this.stopAt = null;
    ui.input.addEventListener('change', () => this.choose(ui.input.files?.[0]));
    ui.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.transcribe();
    });
    ui.audio.addEventListener('timeupdate', () => this.checkEnd());
    ui.audio.addEventListener('pause', () => this.markPlaying(null));
  }

  choose(file) {
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = file ? URL.createObjectURL(file) : null;
    this.stopAt = null;
    if (this.objectUrl) this.ui.audio.src = this.objectUrl;
    else this.ui.audio.removeAttribute('src');
  }

  async transcribe() {
    const { ui } = this;
    const file = ui.input.files?.[0];
    if (!file) return this.showError('Choose a file first.');
    if (!this.objectUrl) this.choose(file);
    this.clearError();
    ui.result.hidden = true;
    ui.submit.disabled = true;
    ui.form.setAttribute('aria-busy', 'true');
    ui.state.textContent = `Uploading and transcribing ${file.name} (${formatSize(file.size)})…`;
    const form = new FormData();
    form.append('file', file, file.name);
    form.append('response_format', 'verbose_json');
    form.append('timestamp_granularities[]', 'word');
    form.append('timestamp_granularities[]', 'segment');
    const key = ui.apiKey();
    const started = performance.now();
    try {
      let response;
      try {
        response = await fetch('/v1/audio/transcriptions', { method: 'POST', body: form, headers: key ? { Authorization: `Bearer ${key}` } : {} });
      } catch (e) {
        ui.state.textContent = '';
        return this.showError(`Could not reach the server: ${e?.message || e}`);
      }
      if (!response.ok) {
        ui.state.textContent = '';
        return this.showError(await errorMessage(response));
      }
      const body = await response.json();
      const took = (performance.now() - started) / 1000;
      ui.state.textContent = `${file.name}: ${formatTime(body.duration ?? 0)} s of audio, transcribed in ${took.toFixed(2)} s.`;
      this.render(body);
    } finally {
      ui.submit.disabled = false;
      ui.form.removeAttribute('aria-busy');
    }
  }

  render(body) {
    const { ui } = this;
    const segments = body.segments ?? [];
    const words = body.words ?? [];
    ui.text.textContent = body.text || '(no speech recognised in this file)';
    ui.text.classList.toggle('empty', !body.text);
    ui.segments.replaceChildren(...segments.map((segment, i) => this.segmentItem(segment, words.filter((w) => segmentOf(segments, w) === i))));
    ui.result.hidden = false;
  }

  segmentItem(segment, words) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'segment';
    button.dataset.start = String(segment.start);
    button.dataset.end = String(segment.end);
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = `${formatTime(segment.start)}–${formatTime(segment.end)} s`;
    const text = document.createElement('span');
    text.className = 'segment-text';
    text.textContent = segment.text.trim();
    button.append(time, text);
    button.setAttribute('aria-label', `Play ${formatTime(segment.start)} to ${formatTime(segment.end)} seconds: ${segment.text.trim()}`);
    button.addEventListener('click', () => this.play(segment.start, segment.end, button));
    li.append(button);
    if (words.length > 0) {
      const line = document.createElement('p');
      line.className = 'words';
      for (const w of words) {
        const word = document.createElement('span');
        word.className = 'word';
        word.dataset.start = String(w.start);
        word.dataset.end = String(w.end);
        word.title = `${formatTime(w.start)}–${formatTime(w.end)} s`;
        const text = document.createElement('span');
        text.className = 'word-text';
        text.textContent = w.word.trim();
        const time = document.createElement('span');
        time.className = 'word-time';
        time.textContent = formatTime(w.start);
        word.append(text, ' ', time);
        line.append(word, ' ');
      }
      li.append(line);
    }
    return li;
  }

  async play(start, end, button) {
    const audio = this.ui.audio;
    if (!this.objectUrl) return this.showError('Choose the file again to play it.');
    if (audio.readyState < HTMLMediaElement.HAVE_METADATA) {
      await new Promise((resolve) => audio.addEventListener('loadedmetadata', resolve, { once: true }));
    }
    this.clearError();
    this.stopAt = end;
    audio.currentTime = start;
    try {
      await audio.play();
    } catch (e) {
      this.stopAt = null;
      return this.showError(`This browser cannot play the file (${e?.message || e}); the transcript is unaffected.`);
    }
    this.markPlaying(button);
    const watch = () => {
      if (this.stopAt === null || audio.paused) return;
      if (this.checkEnd()) return;
      requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
  }

  /** Pauses at the end of the segment being played; true once it has. */
  checkEnd() {
    const audio = this.ui.audio;
    if (this.stopAt === null || audio.currentTime < this.stopAt) return false;
    this.stopAt = null;
    audio.pause();
    return true;
  }

  markPlaying(button) {
    for (const b of this.ui.segments.querySelectorAll('.segment[aria-current]')) b.removeAttribute('aria-current');
    if (button) button.setAttribute('aria-current', 'true');
  }

  showError(message) {
    this.ui.error.hidden = false;
    this.ui.error.textContent = message;
  }

  clearError() {
    this.ui.error.hidden = true;
    this.ui.error.textContent = '';
  }
}

/** The segment a word belongs to: the last one that starts at or before the word's middle. */
function segmentOf(segments, word) {
  const middle = (word.start + word.end) / 2;
  let found = 0;
  segments.forEach((s, i) => {
    if (s.start <= middle) found = i;
  });
  return found;
}
