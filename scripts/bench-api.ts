// `make bench-api`: the HTTP API on a ledger of 1,000,000 settlements in PostgreSQL, measured with wrk (p50/p99, RSS over a sustained run).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KeySigner, signWalletProof, toHex, utf8 } from '#protocol';
import { BackOffice } from '../backoffice/backoffice.js';
import { TestIssuer } from '../backoffice/api/testkit/token-issuer.js';
import { startPostgres } from '../test/support/postgres.js';
import { DEFAULT_SHAPE, seedCustomerId, seedSettlements } from './bench-api-seed.js';

const run$ = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url)); // dist/scripts
const repoRoot = resolve(here, '../..');
const BO_CLI = resolve(here, '../backoffice/cli/main.js');
const SETTLEMENTS = Number(process.env.BENCH_API_SETTLEMENTS ?? DEFAULT_SHAPE.settlements);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 15);
const SUSTAIN_SECONDS = Number(process.env.BENCH_API_SUSTAIN_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.BENCH_API_CONNECTIONS ?? 8);
const TARGET_P99_MS = 50;
/** Customers onboarding purses at once (each issuance reserves from its own account, as in life). */
const CUSTOMERS = Number(process.env.BENCH_API_CUSTOMERS ?? 500);

interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

function usage(): string {
  return [
    'usage: node dist/scripts/bench-api.js [--help]   (`make bench-api` builds and runs it; several minutes)',
    '',
    'Seeds a PostgreSQL ledger with BENCH_API_SETTLEMENTS (1,000,000) settled payments, starts',
    '`tessera-backoffice serve` on it (tokens from a test OpenID issuer in this process), and measures',
    'with wrk: a transaction search and a purse issuance through the wallet API by BENCH_API_CUSTOMERS',
    "customers (p50, p99), then the server's RSS over a sustained search load. Prints a table and",
    'writes bench/last-run-api.json. docs/performance.md explains the figures.',
  ].join('\n');
}

const toMs = (v: string, unit: string): number => Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1);

/** wrk's --latency summary: the 50% and 99% lines, requests, non-2xx. */
export function parseWrk(out: string): WrkResult {
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    if (!m) throw new Error(`wrk printed no ${p}% latency:\n${out}`);
    return toMs(m[1] as string, m[2] as string);
  };
  const req = /(\d+) requests in/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  return { requests: Number(req?.[1] ?? 0), rps: Number(rps?.[1] ?? 0), p50Ms: pct('50'), p99Ms: pct('99'), non2xx: Number(non2xx?.[1] ?? 0) };
}

async function wrk(url: string, seconds: number, script: string, env: NodeJS.ProcessEnv = {}): Promise<WrkResult> {
  const { stdout } = await run$('wrk', ['-t', '2', '-c', String(CONNECTIONS), '-d', `${seconds}s`, '--latency', '-s', script, url], { env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  return parseWrk(stdout);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function startServe(home: string, db: string, issuer: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BO_CLI, '--home', home, '--db', db, '--json', 'serve', '--listen', '127.0.0.1:0', '--issuer', issuer, '--rate-limit', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TESSERA_LOG_LEVEL: 'warn' },
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((resolveLine, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 30 s: ${err}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolveLine(out.slice(0, nl));
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${err}`)));
  });
  const j = JSON.parse(line) as { url: string };
  return { child, url: j.url };
}

const LUA_SEARCH = `
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local n = 0
request = function()
  n = n + 1
  local m = n % ${DEFAULT_SHAPE.merchants}
  return wrk.format(nil, "/v1/transactions?merchant=M-" .. m .. "&limit=50")
end
`;

/** Each request takes the next pre-made line (a customer's token, tab, a body with a real proof): one purse each. */
const LUA_ISSUE = `
local lines = {}
for l in io.lines(os.getenv("PROOFS")) do
  local tab = l:find("\t")
  lines[#lines + 1] = { l:sub(1, tab - 1), l:sub(tab + 1) }
end
local id, n = 0, 0
setup = function(thread) thread:set("tid", id); id = id + 1 end
init = function() tid = tid or 0 end
request = function()
  n = n + 1
  local i = (n * 2 + tid) % #lines + 1
  local line = lines[i]
  local body = line[2]
  return wrk.format("POST", "/v1/wallet/purses", {
    ["Authorization"] = "Bearer " .. line[1],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. tid .. "-" .. n,
  }, body)
end
`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(usage());
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-api-'));
  const pgs = await startPostgres();
  const issuer = await new TestIssuer().start();
  let serve: ChildProcess | undefined;
  try {
    const db = await pgs.createDatabase('bench_api');
    const home = join(dir, 'bo');
    await (await BackOffice.init(home, { db })).close();
    const t0 = performance.now();
    await seedSettlements(db, { ...DEFAULT_SHAPE, settlements: SETTLEMENTS });
    const seedSeconds = (performance.now() - t0) / 1000;
    console.log(`seeded ${SETTLEMENTS} settlements in ${seedSeconds.toFixed(0)} s`);

    const s = await startServe(home, db, issuer.issuer);
    serve = s.child;
    const operator = await issuer.mint({ roles: ['operator'] }, { expiresIn: 3_600 });
    const customers = await Promise.all(Array.from({ length: CUSTOMERS }, async (_, i) => ({ token: await issuer.mint({ roles: ['customer'], accountId: seedCustomerId(i) }, { expiresIn: 3_600 }), key: KeySigner.generate() })));

    // Enough proofs for the issuance run (each buys one purse; a reused one would be a replay).
    const proofs: string[] = [];
    const want = Number(process.env.BENCH_API_PROOFS ?? 10_000);
    for (let i = 0; i < want; i++) {
      const c = customers[i % customers.length] as (typeof customers)[number];
      const r = await fetch(`${s.url}/v1/wallet/challenge`, { method: 'POST', headers: { authorization: `Bearer ${c.token}` } });
      if (r.status !== 201) throw new Error(`challenge: HTTP ${r.status} ${await r.text()}`);
      const { challenge } = (await r.json()) as { challenge: string };
      const body = { publicKey: toHex(c.key.publicKey), challenge, signature: toHex(await signWalletProof(c.key, utf8(challenge))), cap: 100, days: 1 };
      proofs.push(`${c.token}\t${JSON.stringify(body)}`);
    }
    const proofFile = join(dir, 'proofs.txt');
    writeFileSync(proofFile, proofs.join('\n') + '\n');
    const searchLua = join(dir, 'search.lua');
    const issueLua = join(dir, 'issue.lua');
    writeFileSync(searchLua, LUA_SEARCH);
    writeFileSync(issueLua, LUA_ISSUE);

    await wrk(s.url, 3, searchLua, { TOKEN: operator }); // warm-up: JIT, pool, PostgreSQL's cache
    const search = await wrk(s.url, SECONDS, searchLua, { TOKEN: operator });
    const issue = await wrk(s.url, SECONDS, issueLua, { PROOFS: proofFile });
    if (issue.requests > proofs.length) console.log(`note: ${issue.requests} issuance requests for ${proofs.length} proofs: the rest were replays`);

    // Sustained: RSS sampled every second while the search load runs.
    const pid = serve.pid as number;
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMb(pid)), 1_000);
    const sustained = await wrk(s.url, SUSTAIN_SECONDS, searchLua, { TOKEN: operator });
    clearInterval(sampler);
    const q = Math.max(1, Math.floor(samples.length / 4));
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const firstQ = avg(samples.slice(0, q));
    const lastQ = avg(samples.slice(-q));
    const growth = (lastQ - firstQ) / firstQ;

    const rows = [
      { name: 'transaction search (merchant filter, newest 50) p50', value: search.p50Ms, unit: 'ms' },
      { name: 'transaction search p99', value: search.p99Ms, unit: 'ms', target: TARGET_P99_MS, pass: search.p99Ms <= TARGET_P99_MS && search.non2xx === 0 },
      { name: 'transaction search throughput', value: search.rps, unit: 'req/s' },
      { name: 'purse issuance (wallet API, proof verified) p50', value: issue.p50Ms, unit: 'ms' },
      { name: 'purse issuance p99', value: issue.p99Ms, unit: 'ms', target: TARGET_P99_MS, pass: issue.p99Ms <= TARGET_P99_MS && issue.non2xx === 0 },
      { name: 'purse issuance throughput', value: issue.rps, unit: 'req/s' },
      { name: `server RSS, first quarter of ${SUSTAIN_SECONDS} s sustained search`, value: firstQ, unit: 'MB' },
      { name: 'server RSS, last quarter', value: lastQ, unit: 'MB' },
      { name: 'server RSS growth, last vs first quarter', value: growth * 100, unit: '%', target: 10, pass: growth <= 0.1 },
      { name: 'sustained search p99', value: sustained.p99Ms, unit: 'ms', target: TARGET_P99_MS, pass: sustained.p99Ms <= TARGET_P99_MS && sustained.non2xx === 0 },
    ];
    console.log(['value', 'unit', 'target', 'ok', 'name'].join('\t'));
    for (const r of rows) console.log([r.value.toFixed(r.value >= 100 ? 0 : 2), r.unit, r.target ?? '', r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL', r.name].join('\t'));
    const result = { when: new Date().toISOString(), settlements: SETTLEMENTS, seedSeconds, connections: CONNECTIONS, seconds: SECONDS, search, issue, sustained, rss: { samples, firstQ, lastQ, growth }, rows };
    mkdirSync(join(repoRoot, 'bench'), { recursive: true });
    writeFileSync(join(repoRoot, 'bench', 'last-run-api.json'), JSON.stringify(result, null, 2) + '\n');
    if (rows.some((r) => r.pass === false)) process.exitCode = 1;
  } finally {
    serve?.kill('SIGTERM');
    await issuer.stop();
    await pgs.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench-api: ${(e as Error).message}`);
  process.exit(1);
});
