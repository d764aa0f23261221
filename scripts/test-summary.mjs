// Turns tap's closing summary into one plain "N passed, N failed" line that CI reads.
import { readFileSync } from 'node:fs';

const log = readFileSync(process.argv[2] ?? '.tap/last-run.log', 'utf8');
const m = [...log.matchAll(/^# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?(?:, skip: (\d+))?(?:, todo: (\d+))?/gm)].pop();
if (!m) {
  console.log('tests: 0 passed, 1 failed');
  console.error('test-summary: no tap summary found in the log');
  process.exit(1);
}
const [, , pass, fail = '0', skip = '0'] = m;
console.log(`tests: ${pass} passed, ${fail} failed` + (skip !== '0' ? `, ${skip} skipped` : ''));
process.exit(fail === '0' && Number(pass) > 0 ? 0 : 1);
