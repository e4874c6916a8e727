import { parseArgs } from 'node:util';
import { makeTestModel, TEST_MODEL_SHAPES, type TestModelShape } from './test-model/make-test-model.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    shape: { type: 'string', default: 'tiny' },
    seed: { type: 'string', default: '1' },
    'fail-on-marker': { type: 'boolean', default: false },
  },
});

if (!values.out || !TEST_MODEL_SHAPES.includes(values.shape as TestModelShape) || !/^\d+$/.test(values.seed ?? '')) {
  console.error(`usage: npm run make-test-model -- --out DIR [--shape ${TEST_MODEL_SHAPES.join('|')}] [--seed N] [--fail-on-marker]`);
  process.exit(2);
}
const started = performance.now();
const dir = makeTestModel({
  out: values.out,
  shape: values.shape as TestModelShape,
  seed: Number(values.seed),
  failOnMarker: values['fail-on-marker'],
});
console.log(`wrote ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
