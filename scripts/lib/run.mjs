import { spawnSync } from 'node:child_process';

/** Run a command with inherited output; exit the process with a readable message if it fails. */
export function mustRun(cmd, args, what, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`\n[setup] FAILED: ${what}\n        command: ${cmd} ${args.join(' ')}\n        exit: ${r.status ?? r.signal}`);
    process.exit(1);
  }
}
export function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
export function log(msg) {
  console.log(`[setup] ${msg}`);
}
