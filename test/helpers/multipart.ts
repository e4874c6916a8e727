/** One part of a hand-written multipart/form-data body. */
export interface Part {
  name?: string;
  filename?: string;
  type?: string;
  body: Uint8Array | string;
  /** Replaces the part's generated headers (so a test can send them wrong). */
  headers?: string;
}

/** A multipart/form-data body written by hand, so that it can be wrong in every way; text is UTF-8. */
export function multipartBody(parts: Part[], boundary: string, close = true): Buffer {
  const chunks: Buffer[] = [];
  const text = (s: string) => chunks.push(Buffer.from(s, 'utf8'));
  for (const p of parts) {
    text(`--${boundary}\r\n`);
    if (p.headers !== undefined) text(p.headers);
    else {
      const params = [...(p.name !== undefined ? [`name="${p.name}"`] : []), ...(p.filename !== undefined ? [`filename="${p.filename}"`] : [])];
      text(`Content-Disposition: ${['form-data', ...params].join('; ')}\r\n`);
      if (p.type) text(`Content-Type: ${p.type}\r\n`);
    }
    text('\r\n');
    chunks.push(typeof p.body === 'string' ? Buffer.from(p.body, 'utf8') : Buffer.from(p.body));
    text('\r\n');
  }
  if (close) text(`--${boundary}--\r\n`);
  return Buffer.concat(chunks);
}
