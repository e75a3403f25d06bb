/**
 * `npm run jobs -- <command>`: the operator CLI (compiled to dist/cli/jobs.js by `npm run build`; `npm run jobs:dev`
 * runs this source with tsx). It only talks to a running server's REST API; see README "Operator CLI".
 */
import { run } from './program.ts';

// The reader went away (`jobs stats | head -3`): stop quietly, as other command-line tools do, not with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

// exitCode, not exit(): a piped stdout is written out in full before the process ends.
process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
