// Browser bench of the wallet app in Debian's Chromium against a real terminal daemon: camera → decoded request, confirm → QR, transfer size, time to interactive offline.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WALLET_DIST, createCafe, givePurse, openPhone, readPaymentQr, serveBackOffice, waitForServiceWorker } from '../test/wallet-pwa/harness.js';
import { until } from '../test/faults/harness.js';

const RUNS = Number(process.env.BENCH_WALLET_RUNS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Every file the service worker precaches (the whole app): raw and gzip -9 bytes, and what `serve` sends a brotli client (the build's .br, else the file). */
function transferSize(): { files: number; raw: number; gzip: number; served: number } {
  let raw = 0;
  let gzip = 0;
  let served = 0;
  let files = 0;
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(js|css|html|png|svg|webmanifest)$/.test(f)) {
        const b = readFileSync(p);
        files++;
        raw += b.length;
        gzip += gzipSync(b, { level: 9 }).length;
        served += existsSync(`${p}.br`) ? statSync(`${p}.br`).size : b.length;
      }
    }
  };
  walk(WALLET_DIST);
  return { files, raw, gzip, served };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-wallet-'));
  const cafe = await createCafe(dir);
  const web = await serveBackOffice(cafe.bo);
  const term = await cafe.terminal('T-BENCH');
  const profile = join(dir, 'phone');
  const decode: number[] = [];
  const show: number[] = [];
  const tti: number[] = [];
  const cameraStart: number[] = [];
  const commit: number[] = [];
  const firstFrame: number[] = [];
  const frameCount: number[] = [];
  const frameDecode: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const req = await term.charge(100 + i);
      const clip = join(dir, `req-${i}.y4m`);
      term.cameraClip(clip);
      const phone = await openPhone(profile, clip);
      try {
        const page = phone.context.pages()[0] ?? (await phone.context.newPage());
        await page.goto(web.url);
        if (i === 0) {
          await waitForServiceWorker(page);
          await givePurse(page, cafe.bo, 'bench', { cap: 100_000, perPaymentLimit: 10_000 });
        }
        // Offline from here: the app comes from its service worker cache.
        await page.context().setOffline(true);
        await page.reload();
        await page.getByTestId('screen-home').waitFor();
        tti.push(Number(await page.evaluate(`performance.getEntriesByName('tessera:interactive')[0].startTime`)));
        await page.getByTestId('pay').click();
        await page.getByTestId('screen-confirm').waitFor({ timeout: 15_000 });
        decode.push(Number(await page.evaluate(`performance.measure('d', 'tessera:camera-on', 'tessera:decoded').duration`)));
        await page.getByTestId('confirm').click();
        await page.getByTestId('screen-show').waitFor();
        await page.waitForFunction(`performance.getEntriesByName('tessera:qr-shown').length > 0`);
        show.push(Number(await page.evaluate(`performance.measure('s', 'tessera:confirm', 'tessera:qr-shown').duration`)));
        // Where the time goes: the camera starting (getUserMedia to a playing stream) vs decoding; the strict commit.
        cameraStart.push(Number(await page.evaluate(`performance.measure('c', 'tessera:camera-on', 'tessera:camera-playing').duration`)));
        commit.push(Number(await page.evaluate(`performance.measure('k', 'tessera:signed', 'tessera:committed').duration`)));
        firstFrame.push(Number(await page.evaluate(`performance.measure('f', 'tessera:camera-playing', 'tessera:first-frame').duration`)));
        const frames = (await page.evaluate(`performance.getEntriesByName('tessera:frame-decode').map((e) => e.duration)`)) as number[];
        frameCount.push(frames.length);
        frameDecode.push(...frames);
        await term.scanner.present(await readPaymentQr(page));
        await until(async () => (await term.api.call<{ status: string }>('GET', `/v1/payments/${req.id}`)).status === 'approved' || undefined, 15_000, 'approval');
      } finally {
        await phone.close();
      }
    }
  } finally {
    await web.close();
    await cafe.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const size = transferSize();
  const result = {
    when: new Date().toISOString(),
    runs: RUNS,
    cameraToDecodedMs: { median: median(decode), max: Math.max(...decode), target: 300, samples: decode },
    cameraStartMs: { median: median(cameraStart), samples: cameraStart },
    confirmToQrMs: { median: median(show), max: Math.max(...show), target: 100, samples: show },
    strictCommitMs: { median: median(commit), samples: commit },
    playingToFirstFrameMs: { median: median(firstFrame), samples: firstFrame },
    framesDecoded: { median: median(frameCount), samples: frameCount },
    frameDecodeMs: { median: median(frameDecode), max: Math.max(...frameDecode), samples: frameDecode },
    offlineInteractiveMs: { median: median(tti), max: Math.max(...tti), target: 1000, samples: tti },
    transfer: { ...size, targetGzip: 300 * 1024 },
  };
  writeFileSync(join(process.cwd(), 'bench/last-run-wallet.json'), `${JSON.stringify(result, null, 2)}\n`);
  const row = (name: string, m: { median: number; max: number; target: number }) => console.log(`${name.padEnd(28)} median ${m.median.toFixed(0).padStart(5)} ms  max ${m.max.toFixed(0).padStart(5)} ms  target ≤ ${m.target} ms`);
  row('camera on → decoded request', result.cameraToDecodedMs);
  console.log(`${'  of which camera start'.padEnd(28)} median ${median(cameraStart).toFixed(0).padStart(5)} ms`);
  console.log(`${'  then to the first frame'.padEnd(28)} median ${median(firstFrame).toFixed(0).padStart(5)} ms`);
  console.log(`${'  frames decoded'.padEnd(28)} median ${median(frameCount)}, jsQR ${median(frameDecode).toFixed(0)} ms a frame (max ${Math.max(...frameDecode).toFixed(0)})`);
  row('confirm → QR on screen', result.confirmToQrMs);
  console.log(`${'  of which strict commit'.padEnd(28)} median ${median(commit).toFixed(0).padStart(5)} ms`);
  row('interactive, offline reload', result.offlineInteractiveMs);
  console.log(`${'transfer (whole app)'.padEnd(28)} ${size.files} files, ${(size.raw / 1024).toFixed(0)} KB raw, ${(size.gzip / 1024).toFixed(0)} KB gzipped, ${(size.served / 1024).toFixed(0)} KB as served (brotli)  target ≤ 300 KB gzipped`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
