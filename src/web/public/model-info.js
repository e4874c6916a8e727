// Names the model the server serves (from /readyz, which needs no key), so a visitor knows what to expect.

const RETRY_MS = 2000;

/** The model's details in a Terminus answer, whether the server is ready (info) or not yet (error). */
const modelOf = (body) => body?.details?.model ?? body?.info?.model ?? body?.error?.model;

export async function showModel(line, note) {
  for (;;) {
    try {
      const res = await fetch('/readyz', { cache: 'no-store' });
      const model = modelOf(await res.json());
      if (model?.name) {
        line.textContent = `Model: ${model.name}${model.provider ? ` on ${model.provider}` : ''}${model.decoding ? `, ${model.decoding} decoding` : ''}${model.state === 'ready' ? '' : ` (${model.state})`}`;
        line.dataset.model = model.name;
        note.hidden = model.embedded !== true;
        if (model.state === 'ready') return;
      } else {
        line.textContent = `Model: ${model?.state ?? 'not ready yet'}`;
      }
    } catch {
      line.textContent = 'Model: the server did not answer /readyz';
    }
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}
