// Recognises a plain `tessera daemon [-c|--config PATH]` (what systemd runs); imports nothing, so the entry can decide before loading code.

/**
 * The arguments of a plain `tessera daemon [-c|--config PATH]` (what systemd runs), as the config
 * flag's value ('' for none); undefined for anything else, which goes through the full command
 * parser (help, errors, other commands). Saves loading commander and the client commands at boot.
 */
export function plainDaemonArgs(args: readonly string[]): { config?: string } | undefined {
  let daemon = false;
  let config: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'daemon' && !daemon) daemon = true;
    else if ((a === '-c' || a === '--config') && config === undefined && i + 1 < args.length && !args[i + 1]!.startsWith('-')) config = args[++i]!;
    else if (a.startsWith('--config=') && config === undefined && a.length > '--config='.length) config = a.slice('--config='.length);
    else return undefined;
  }
  if (!daemon) return undefined;
  return config === undefined ? {} : { config };
}
