/**
 * The CUDA fat binaries inside a shared library's `.nv_fatbin` section: containers (magic 0xBA55ED50) of
 * entries, one per GPU architecture and kind (cubin or PTX). Layout as cuobjdump reads it; only the fields
 * needed to find each entry's architecture and payload are used.
 */
export interface FatbinEntry {
  /** 1 = PTX, 2 = cubin (ELF). */
  kind: number;
  /** sm_XY as XY (90 for Hopper). */
  arch: number;
  /** Byte range of the payload in the file. */
  payloadOffset: number;
  payloadSize: number;
}

const MAGIC = 0xba55ed50;

/** Offset and size of a named ELF64 section. */
export function elfSection(file: Buffer, name: string): { offset: number; size: number } | null {
  if (file.readUInt32BE(0) !== 0x7f454c46 || file[4] !== 2) throw new Error('not an ELF64 file');
  const shoff = Number(file.readBigUInt64LE(0x28));
  const shentsize = file.readUInt16LE(0x3a);
  const shnum = file.readUInt16LE(0x3c);
  const strtab = shoff + file.readUInt16LE(0x3e) * shentsize;
  const strOffset = Number(file.readBigUInt64LE(strtab + 24));
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    const nameAt = strOffset + file.readUInt32LE(sh);
    const end = file.indexOf(0, nameAt);
    if (file.toString('latin1', nameAt, end) === name) {
      return { offset: Number(file.readBigUInt64LE(sh + 24)), size: Number(file.readBigUInt64LE(sh + 32)) };
    }
  }
  return null;
}

export function fatbinEntries(file: Buffer): FatbinEntry[] {
  const section = elfSection(file, '.nv_fatbin');
  if (!section) return [];
  const entries: FatbinEntry[] = [];
  const end = section.offset + section.size;
  let p = section.offset;
  while (p + 16 <= end) {
    if (file.readUInt32LE(p) !== MAGIC) {
      p += 8; // containers are 8-byte aligned; padding between them is zero
      continue;
    }
    const headerSize = file.readUInt16LE(p + 6);
    const fatSize = Number(file.readBigUInt64LE(p + 8));
    let e = p + headerSize;
    const containerEnd = e + fatSize;
    while (e < containerEnd) {
      const entryHeader = file.readUInt32LE(e + 4);
      const padded = Number(file.readBigUInt64LE(e + 8));
      entries.push({ kind: file.readUInt16LE(e), arch: file.readUInt32LE(e + 28), payloadOffset: e + entryHeader, payloadSize: padded });
      e += entryHeader + padded;
    }
    p = containerEnd;
  }
  return entries;
}

/**
 * Zeroes the payload of every entry not built for `keepArch`, leaving every header in place: the CUDA runtime
 * still parses the container and loads the entry for the device it runs on, and the zeroed runs compress to
 * nothing. A library treated so runs only on GPUs of that architecture.
 */
export function keepOnlyArch(file: Buffer, keepArch: number): Map<number, number> {
  const bytesByArch = new Map<number, number>();
  for (const entry of fatbinEntries(file)) {
    bytesByArch.set(entry.arch, (bytesByArch.get(entry.arch) ?? 0) + entry.payloadSize);
    if (entry.arch !== keepArch) file.fill(0, entry.payloadOffset, entry.payloadOffset + entry.payloadSize);
  }
  return bytesByArch;
}
