// Starts Debian's Chromium through playwright-core for browser tests (never a downloaded browser).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type LaunchOptions } from 'playwright-core';

/** Debian's package puts it here; CHROMIUM overrides (another distribution, a developer's machine). */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags every test launch needs: as root Chromium refuses to start sandboxed, and without the
 * background-networking flags it keeps dialling Google's hosts, which this closed network refuses.
 */
export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface CameraOptions {
  /** A .y4m or .mjpeg file Chromium plays as the camera (its fake capture device). */
  videoFile: string;
}

/** Camera flags: Chromium's fake device, permission granted without a prompt, fed from a file. */
export function cameraArgs(o: CameraOptions): string[] {
  return ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${o.videoFile}`];
}

/**
 * Callers close their browsers themselves. Playwright's own signal handlers stay installed after a
 * close and end the process with 130 on Ctrl-C, which would cut short a program (the demo) that
 * handles SIGINT; Chromium still exits when its pipe to this process closes.
 */
const OWN_SIGNALS = { handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false } as const;

function launchOptions(extraArgs: string[], o: LaunchOptions): LaunchOptions {
  return { executablePath: CHROMIUM, headless: true, ...OWN_SIGNALS, ...o, args: [...BASE_ARGS, ...extraArgs, ...(o.args ?? [])] };
}

/** A throwaway browser (fresh profile per context). */
export async function launchBrowser(extraArgs: string[] = [], o: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch(launchOptions(extraArgs, o));
}

export interface PersistentBrowser {
  context: BrowserContext;
  /** The profile directory: survives close(), so a relaunch on it keeps IndexedDB, keys and the service worker. */
  userDataDir: string;
  close(): Promise<void>;
  /** Removes the profile directory (after the last relaunch). */
  remove(): void;
}

/**
 * A browser on a profile directory that outlives it. Playwright's storageState saves a CryptoKey as
 * `{}`, so a test that needs the wallet's non-extractable key after a restart must relaunch on the
 * same user-data dir instead.
 */
export async function launchPersistent(
  userDataDir: string = mkdtempSync(join(tmpdir(), 'tessera-chromium-')),
  extraArgs: string[] = [],
  o: Parameters<typeof chromium.launchPersistentContext>[1] = {},
): Promise<PersistentBrowser> {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    ...OWN_SIGNALS,
    ...o,
    args: [...BASE_ARGS, ...extraArgs, ...(o.args ?? [])],
  });
  return {
    context,
    userDataDir,
    close: () => context.close(),
    remove: () => rmSync(userDataDir, { recursive: true, force: true }),
  };
}
