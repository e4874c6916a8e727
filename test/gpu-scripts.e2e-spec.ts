import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { locateFfmpeg } from '../src/audio/ffmpeg-binary.js';
import { fatbinEntries, keepOnlyArch } from '../scripts/gpu/fatbin.js';
import { measurePlacement, parsePlacement } from '../scripts/gpu/placement.js';
import { removeTestModels, testModel } from './helpers/test-models.js';

/** An ELF64 file with a `.nv_fatbin` section of two containers: sm_80 and sm_90 cubins, then an sm_90 PTX. */
function fakeCudaLibrary(): { file: Buffer; payloads: Record<string, [number, number]> } {
  const entry = (kind: number, arch: number, payload: number, fill: number) => {
    const header = Buffer.alloc(64);
    header.writeUInt16LE(kind, 0);
    header.writeUInt32LE(64, 4);
    header.writeBigUInt64LE(BigInt(payload), 8);
    header.writeUInt32LE(arch, 28);
    return Buffer.concat([header, Buffer.alloc(payload, fill)]);
  };
  const container = (entries: Buffer[]) => {
    const body = Buffer.concat(entries);
    const header = Buffer.alloc(16);
    header.writeUInt32LE(0xba55ed50, 0);
    header.writeUInt16LE(1, 4);
    header.writeUInt16LE(16, 6);
    header.writeBigUInt64LE(BigInt(body.length), 8);
    return Buffer.concat([header, body]);
  };
  const fatbin = Buffer.concat([container([entry(2, 80, 96, 0x80), entry(2, 90, 128, 0x90)]), Buffer.alloc(8), container([entry(1, 90, 32, 0x91)])]);
  const names = Buffer.from('\0.shstrtab\0.nv_fatbin\0', 'latin1');
  const fatbinAt = 64;
  const namesAt = fatbinAt + fatbin.length;
  const shoff = namesAt + names.length;
  const sections = Buffer.alloc(3 * 64);
  const section = (i: number, name: number, offset: number, size: number) => {
    sections.writeUInt32LE(name, i * 64);
    sections.writeBigUInt64LE(BigInt(offset), i * 64 + 24);
    sections.writeBigUInt64LE(BigInt(size), i * 64 + 32);
  };
  section(1, 1, namesAt, names.length);
  section(2, 11, fatbinAt, fatbin.length);
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2;
  header.writeBigUInt64LE(BigInt(shoff), 0x28);
  header.writeUInt16LE(64, 0x3a);
  header.writeUInt16LE(3, 0x3c);
  header.writeUInt16LE(1, 0x3e);
  const file = Buffer.concat([header, fatbin, names, sections]);
  const first = fatbinAt + 16 + 64;
  return { file, payloads: { sm80: [first, 96], sm90: [first + 96 + 64, 128], ptx90: [fatbinAt + 16 + 64 + 96 + 64 + 128 + 8 + 16 + 64, 32] } };
}

describe('GPU host tooling (scripts/gpu)', () => {
  afterAll(removeTestModels);

  it('finds every fat-binary entry and zeroes only the payloads of other architectures, headers kept', () => {
    const { file, payloads } = fakeCudaLibrary();
    const before = Buffer.from(file);
    expect(fatbinEntries(file).map((e) => [e.kind, e.arch, e.payloadOffset, e.payloadSize])).toEqual([
      [2, 80, ...payloads.sm80],
      [2, 90, ...payloads.sm90],
      [1, 90, ...payloads.ptx90],
    ]);
    expect([...keepOnlyArch(file, 90)]).toEqual([
      [80, 96],
      [90, 160],
    ]);
    const slice = (b: Buffer, [at, n]: [number, number]) => b.subarray(at, at + n);
    expect(slice(file, payloads.sm80).every((x) => x === 0)).toBe(true);
    expect(slice(file, payloads.sm90).equals(slice(before, payloads.sm90))).toBe(true);
    expect(slice(file, payloads.ptx90).equals(slice(before, payloads.ptx90))).toBe(true);
    // Only payload bytes changed: every header, and the ELF around the section, is as it was.
    let changed = 0;
    for (let i = 0; i < file.length; i++) if (file[i] !== before[i]) changed++;
    expect(changed).toBe(96);
  });

  it('reads node placement from ONNX Runtime’s own log: all on one provider, or split with Memcpy nodes', () => {
    const mixed = [
      '2026-12-05 [V:onnxruntime:, session_state.cc:1377 VerifyEachNodeIsAssignedToAnEp] Node placements',
      '2026-12-05 [V:onnxruntime:, session_state.cc:1389 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CUDAExecutionProvider]. Number of nodes: 3',
      '2026-12-05 [V:onnxruntime:, session_state.cc:1392 VerifyEachNodeIsAssignedToAnEp]   MatMul (MatMul_node_1)',
      '2026-12-05 [V:onnxruntime:, session_state.cc:1392 VerifyEachNodeIsAssignedToAnEp]   MemcpyFromHost (Memcpy)',
      '2026-12-05 [V:onnxruntime:, session_state.cc:1392 VerifyEachNodeIsAssignedToAnEp]   MatMul (MatMul_node_2)',
      '2026-12-05 [V:onnxruntime:, session_state.cc:1389 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 1',
      '2026-12-05 [V:onnxruntime:, session_state.cc:1392 VerifyEachNodeIsAssignedToAnEp]   DynamicQuantizeLinear (q)',
      '2026-12-05 [I:onnxruntime:, inference_session.cc:2000 Initialize] Session successfully initialized.',
    ].join('\n');
    expect(parsePlacement(mixed)).toEqual({
      byProvider: { CUDAExecutionProvider: { nodes: 3, ops: { MatMul: 2, MemcpyFromHost: 1 } }, CPUExecutionProvider: { nodes: 1, ops: { DynamicQuantizeLinear: 1 } } },
      memcpyNodes: 1,
    });
    // A real session on this machine's CPU provider, read from a child process's log.
    const dir = testModel({ shape: 'tiny' });
    const onCpu = measurePlacement(join(dir, 'encoder-model.onnx'), 'cpu');
    expect(onCpu.error).toBeUndefined();
    expect(Object.keys(onCpu.byProvider)).toEqual(['CPUExecutionProvider']);
    expect(onCpu.byProvider.CPUExecutionProvider.nodes).toBeGreaterThan(10);
    expect(measurePlacement(join(dir, 'encoder-model.onnx'), 'cuda').error).toMatch(/Failed to load shared library/);
  });

  it('the WAV-only ffmpeg stand-in passes the start-up probe and refuses every decode', () => {
    const stub = join(process.cwd(), 'scripts', 'gpu', 'ffmpeg-absent.sh');
    expect(locateFfmpeg(stub)).toMatchObject({ path: stub, version: 'absent-wav-only' });
    const decode = spawnSync(stub, ['-i', 'pipe:0', '-f', 's16le', 'pipe:1'], { encoding: 'utf8' });
    expect(decode.status).toBe(1);
    expect(decode.stderr).toContain('only WAV uploads');
  });
});
