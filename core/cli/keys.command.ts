import { parseArgs } from 'node:util';
import { generateMasterKeyEntry } from '../vault/master-key.file.ts';
import { CliError } from './cli-error.ts';

const usage = 'usage: hub keys generate [--version <n>]';

export async function keysCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { version: { type: 'string', default: '1' } } });
  if (action !== 'generate') throw new CliError(usage);
  const version = Number(values.version);
  if (!Number.isInteger(version) || version < 1) throw new CliError('--version must be a whole number from 1');
  process.stdout.write(generateMasterKeyEntry(version) + '\n');
}
