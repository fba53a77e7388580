/** `sightline` entry: dispatch to a command; user errors print one line and set the exit status. */
import { classifyCommand, classifyHelp } from './classifyCommand.js';
import { formatError, UsageError } from './cliError.js';
import { detectCommand, detectHelp } from './detectCommand.js';
import { evalCommand, evalHelp } from './evalCommand.js';
import { tritonCommand, tritonHelp } from './tritonCommand.js';

export const mainHelp = `usage: sightline <command> [options]

commands:
  detect     detect objects in images
  classify   classify images
  eval       COCO mAP of a detector on a labelled set
  triton     triton init: write a Triton model repository

Run "sightline <command> --help" for a command's options.`;

const commands: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  detect: { run: detectCommand, help: detectHelp },
  classify: { run: classifyCommand, help: classifyHelp },
  eval: { run: evalCommand, help: evalHelp },
  triton: { run: tritonCommand, help: tritonHelp },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp);
    return name === undefined ? 2 : 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`error [E_USAGE]: unknown command "${name}"\n\n${mainHelp}`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown/malformed options.
    const parseError = typeof (e as { code?: unknown }).code === 'string' && String((e as { code: string }).code).startsWith('ERR_PARSE_ARGS');
    if (e instanceof UsageError || parseError) {
      console.error(`error [E_USAGE]: ${(e as Error).message}\nRun "sightline ${name} --help" for usage.`);
      return 2;
    }
    console.error(formatError(e));
    if (process.env.SIGHTLINE_DEBUG && e instanceof Error) console.error(e.stack);
    return 1;
  }
}
