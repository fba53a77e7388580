#!/usr/bin/env node
// The CLI runs from the built package (npm test and npm run build run `tsc -b` first).
import { main } from '../dist/cli/main.js';

// `sightline … | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
