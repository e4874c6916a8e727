/** G.711 µ-law and A-law (ITU-T G.711) byte → linear sample tables, scaled to [-1, 1). */
function ulaw(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return (u & 0x80 ? -magnitude : magnitude) / 32768;
}

function alaw(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return (a & 0x80 ? magnitude : -magnitude) / 32768;
}

export const ULAW_TABLE = Float32Array.from({ length: 256 }, (_, i) => ulaw(i));
export const ALAW_TABLE = Float32Array.from({ length: 256 }, (_, i) => alaw(i));
