// Man pages and bash completion generated from the commander definitions themselves (scripts/cli-docs.mjs runs this at build time).
import type { Command } from 'commander';

export interface CliSpec {
  name: string;
  description: string;
  arguments: string[];
  options: Array<{ flags: string; description: string; long?: string; short?: string; takesValue: boolean; choices?: string[] }>;
  commands: CliSpec[];
}

/** The command tree as data: names, descriptions, arguments and options of every (sub)command. */
export function cliSpec(cmd: Command): CliSpec {
  return {
    name: cmd.name(),
    description: cmd.description(),
    arguments: cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)),
    options: cmd.options.map((o) => ({
      flags: o.flags,
      description: o.description,
      ...(o.long ? { long: o.long } : {}),
      ...(o.short ? { short: o.short } : {}),
      takesValue: o.required || o.optional,
      ...(o.argChoices ? { choices: o.argChoices } : {}),
    })),
    commands: cmd.commands.map(cliSpec),
  };
}

/** With TESSERA_CLI_SPEC=1 a CLI prints its spec as JSON and does nothing else: how the build reads the definitions. */
export function printSpecIfAsked(program: Command, env: NodeJS.ProcessEnv, out: (s: string) => void): boolean {
  if (env.TESSERA_CLI_SPEC !== '1') return false;
  out(`${JSON.stringify(cliSpec(program))}\n`);
  return true;
}

const roff = (s: string): string => s.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1').replace(/-/g, '\\-');

/** A section-1 man page: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, then one subsection per command path. */
export function manPage(spec: CliSpec, version: string, date: string): string {
  const lines = [`.TH ${spec.name.toUpperCase()} 1 "${date}" "tessera ${version}" "Tessera manual"`, '.SH NAME', `${roff(spec.name)} \\- ${roff((spec.description.split(/[.:]\s/)[0] ?? '').replace(/[.:]$/, ''))}`];
  lines.push('.SH SYNOPSIS', `.B ${roff(spec.name)}`, '[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]', '.SH DESCRIPTION', roff(spec.description));
  const options = (opts: CliSpec['options']): void => {
    for (const o of opts) lines.push('.TP', `.B ${roff(o.flags)}`, roff(o.description + (o.choices ? ` (one of: ${o.choices.join(', ')})` : '')));
  };
  lines.push('.SH OPTIONS');
  options(spec.options);
  lines.push('.SH COMMANDS');
  const walk = (c: CliSpec, path: string[]): void => {
    const words = [...path, c.name];
    if (c.commands.length === 0 || c.description) {
      lines.push(`.SS ${roff([...words.slice(1), ...c.arguments].join(' '))}`, roff(c.description));
      options(c.options);
    }
    for (const s of c.commands) if (s.name !== 'help') walk(s, words);
  };
  for (const c of spec.commands) if (c.name !== 'help') walk(c, [spec.name]);
  lines.push('.SH EXIT STATUS', '0 on success, 1 on failure (the reason on stderr; with \\-\\-json a JSON error on stdout), 2 on a usage error.');
  lines.push('.SH SEE ALSO', 'tessera(1), tessera\\-backoffice(1), tessera\\-wallet(1); /usr/share/doc/tessera/');
  return `${lines.join('\n')}\n`;
}

/** What both completions need: the words offered after each command path, options that take a value, command names. */
function completionTable(spec: CliSpec): { paths: Array<[string, string[]]>; valued: string[]; commands: string[] } {
  const paths: Array<[string, string[]]> = [];
  const valued = new Set<string>();
  const commands = new Set<string>();
  const walk = (c: CliSpec, path: string[], inherited: string[]): void => {
    const opts = [...inherited, ...c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined))];
    for (const o of c.options) if (o.takesValue) [o.long, o.short].forEach((f) => f && valued.add(f));
    const subs = c.commands.filter((s) => s.name !== 'help');
    paths.push([path.join(' '), [...subs.map((s) => s.name), ...opts, '--help']]);
    for (const s of subs) {
      commands.add(s.name);
      walk(s, [...path, s.name], opts);
    }
  };
  walk(spec, [], []);
  return { paths, valued: [...valued], commands: [...commands] };
}

/**
 * A bash completion script: a case over the command path typed so far, offering its subcommands and
 * options, and nothing after an option that takes a value (bash then completes file names).
 */
export function bashCompletion(spec: CliSpec): string {
  const fn = `_${spec.name.replace(/-/g, '_')}`;
  const { paths, valued, commands } = completionTable(spec);
  return `# bash completion for ${spec.name}: generated from its commander definitions (scripts/cli-docs.mjs); do not edit.
${fn}() {
  local cur prev path="" i w words
  COMPREPLY=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in ${valued.join('|') || '__none__'}) return 0 ;; esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in ${commands.join('|')}) path="\${path:+$path }$w" ;; esac
  done
  case "$path" in
${paths.map(([p, w]) => `    "${p}") words="${w.join(' ')}" ;;`).join('\n')}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F ${fn} ${spec.name}
`;
}

/** A zsh completion function (autoloaded from fpath as _NAME): the same table, file names after an option that takes a value. */
export function zshCompletion(spec: CliSpec): string {
  const { paths, valued, commands } = completionTable(spec);
  return `#compdef ${spec.name}
# zsh completion for ${spec.name}: generated from its commander definitions (scripts/cli-docs.mjs); do not edit.
local cmdpath="" w i
local -a offer
case "\${words[CURRENT-1]}" in
  (${valued.join('|') || '__none__'}) _files; return ;;
esac
for ((i = 2; i < CURRENT; i++)); do
  w="\${words[i]}"
  case "$w" in
    (${commands.join('|')}) cmdpath="\${cmdpath:+$cmdpath }$w" ;;
  esac
done
case "$cmdpath" in
${paths.map(([p, w]) => `  ("${p}") offer=(${w.join(' ')}) ;;`).join('\n')}
  (*) offer=() ;;
esac
compadd -- "\${offer[@]}"
`;
}
