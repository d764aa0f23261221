// Crash-safe file replacement: write a temp file, fsync it, rename over the target, fsync the directory.
import * as fsDefault from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TesseraError } from '#common';

/** The file-system calls a durable write needs (injected so tests can fail any step). */
export interface DurableFs {
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, data: string): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

/**
 * Replaces `path` with `text` so that after a crash at any point the file holds either the old or
 * the new content, and once this returns the new content survives a power cut.
 */
export function writeDurably(path: string, text: string, mode = 0o600, fs: DurableFs = fsDefault): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
    // The rename itself lives in the directory: sync it, or a power cut can bring back the old file.
    const dfd = fs.openSync(dirname(path), 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already renamed or never created
    }
    throw new TesseraError('FILE_WRITE_FAILED', `cannot write ${path} durably: ${(e as Error).message}`, { cause: e });
  }
}
