// Atomic file replacement: temp file in the same dir, fsync, keep <file>.prev, rename, fsync the dir; unchanged content is not rewritten.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { TesseraError, errorMessage } from '#common';

export interface WriteOptions {
  mode?: number;
  /** Called with the new content before anything is replaced; throw to refuse. */
  validate?: (content: string) => void;
  /** Applied to the temp file before the rename, so the file never exists with the wrong owner. */
  chown?: (file: string) => void;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeSynced(file: string, content: string | Buffer, mode: number): void {
  const fd = fs.openSync(file, 'wx', mode);
  try {
    fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Writes `content` to `file` atomically. Returns false (touching nothing) when the file already holds
 * exactly this content with this mode; otherwise the previous version is kept as `<file>.prev`.
 */
export function writeFileAtomic(file: string, content: string, opts: WriteOptions = {}): boolean {
  const mode = opts.mode ?? 0o644;
  const old = readIfExists(file);
  if (old !== undefined && old.equals(Buffer.from(content)) && (fs.statSync(file).mode & 0o777) === mode) return false;
  opts.validate?.(content);
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (old !== undefined) {
      const prevTmp = `${tmp}.prev`;
      writeSynced(prevTmp, old, fs.statSync(file).mode & 0o777);
      opts.chown?.(prevTmp);
      fs.renameSync(prevTmp, `${file}.prev`);
    }
    writeSynced(tmp, content, mode);
    opts.chown?.(tmp);
    fs.renameSync(tmp, file);
    fsyncDir(dir);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(`${tmp}.prev`, { force: true });
    throw new TesseraError('FILE_WRITE_FAILED', `cannot write ${file}: ${errorMessage(e)}`, { cause: e });
  }
  return true;
}

export { readIfExists };
