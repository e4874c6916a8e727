/**
 * V8 flags the server is started with (`npm start`, both Dockerfile CMDs, the bench): they must be on the command
 * line, since the main isolate's heap is configured before any code runs.
 *
 * --initial-old-space-size=256: after a quiet minute V8 shrinks the old generation (54 → 35 MB measured), and a
 * burst of uploads then ran a mark-compact every ≈ 0.4 s (36 in 16 s at c=32, `--trace-gc`), its marking threads
 * taking CPU from the lanes (GC threads 2.4 % of a core each instead of 0.9 %, lanes 88 % instead of 92 %).
 * Starting with a 256 MB old space keeps the limit up; the process is ≈ 600 MB anyway (ONNX Runtime).
 */
export const SERVER_NODE_FLAGS = ['--initial-old-space-size=256'] as const;
