import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { CliError } from './cli-error.ts';

const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

/** What a command was given: its options, and at most as many positionals as it takes. */
export interface CommandLine<T extends ParseArgsOptionsConfig> {
  values: ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>['values'];
  positionals: string[];
}

/**
 * Parses a command's arguments strictly: an option it does not take, an option without its value
 * or an argument beyond the `positionals` it takes is a usage mistake (CliError, exit 1), never
 * ignored. `--help` / `-h` prints `usage` on stdout and resolves undefined: the command then does
 * nothing (exit 0). `command` is what the operator typed up to the options ("token create").
 */
export function commandLine<const T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  spec: { usage: string; options?: T; positionals?: number },
): CommandLine<T> | undefined {
  const options = { ...(spec.options ?? ({} as T)), ...helpOption };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw argumentError(error, command) ?? error;
  }
  if (parsed.values['help']) {
    process.stdout.write(`${spec.usage}\n`);
    return undefined;
  }
  const extra = parsed.positionals.slice(spec.positionals ?? 0);
  if (extra.length > 0) {
    throw new CliError(`unexpected argument ${JSON.stringify(extra[0])}: "hub ${command}" takes ${takes(spec.positionals ?? 0)}; run "${usageCommand(command)}" for its usage`);
  }
  const { help: _help, ...values } = parsed.values;
  return { values: values as CommandLine<T>['values'], positionals: parsed.positionals };
}

/**
 * What prints a command's usage: `hub token` for one with actions (it answers with its usage, as
 * `hub token --help` does), `hub migrate --help` for one without (plain `hub migrate` migrates).
 */
function usageCommand(command: string): string {
  const [name, action] = command.split(' ');
  return action === undefined ? `hub ${name} --help` : `hub ${name}`;
}

function takes(count: number): string {
  return count === 0 ? 'no arguments' : count === 1 ? 'one argument' : `${count} arguments`;
}

/** True for `--help` / `-h` where a command expects its action: `hub token --help`. */
export function isHelpFlag(arg: string | undefined): boolean {
  return arg === '--help' || arg === '-h';
}

/** The one line for a command line that `parseArgs` refused (unknown option, missing value, …). */
function argumentError(error: unknown, command: string): CliError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  const help = `run "${usageCommand(command)}" for its options`;
  const option = /'([^']+)'/.exec((error as Error).message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return new CliError(`unknown option ${option}; ${help}`);
  return new CliError(`${(error as Error).message.split('\n')[0]}; ${help}`);
}
